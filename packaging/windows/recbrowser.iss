; Inno Setup script: a per-user installer for the PyInstaller folder built on Windows.
;   .venv\Scripts\python packaging\build.py
;   iscc /DAppVersion=0.1.0 packaging\windows\recbrowser.iss
; AppVersion must match pyproject.toml's version (packaging/README.md has the one-liner that reads it).
; Output: dist\recbrowser-<version>-setup.exe

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z packaging\windows\recbrowser.iss
#endif

[Setup]
; A fixed AppId keeps upgrades in place; never change it.
AppId={{6F1D3C52-8B7E-4F0A-9C36-2D5E8A41B7C9}
AppName=recbrowser
AppVersion={#AppVersion}
AppPublisher=recbrowser
DefaultDirName={autopf}\recbrowser
DefaultGroupName=recbrowser
; Per-user by default (no administrator needed); the user may choose all users.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=recbrowser-{#AppVersion}-setup
SetupIconFile=..\icons\recbrowser.ico
UninstallDisplayIcon={app}\recbrowser.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; Sign installer and uninstaller when a code-signing certificate is configured in the IDE or with
; iscc /Ssigntool="signtool sign /fd sha256 /tr http://timestamp.example /td sha256 $f" and:
; SignTool=signtool

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "..\..\dist\recbrowser\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\recbrowser"; Filename: "{app}\recbrowser.exe"
Name: "{group}\recbrowser demo"; Filename: "{app}\recbrowser.exe"; Parameters: "--demo"
Name: "{autodesktop}\recbrowser"; Filename: "{app}\recbrowser.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\recbrowser.exe"; Description: "{cm:LaunchProgram,recbrowser}"; Flags: nowait postinstall skipifsilent
