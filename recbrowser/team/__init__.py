"""The team archive: PostgreSQL for calls, transcripts, notes, tags, sync state and the audit
log; S3-compatible object storage for media. Qt-free, like the rest of the core."""
