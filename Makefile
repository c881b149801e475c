# `make package` builds the one-folder app into dist/recbrowser/ (see packaging/README.md).
# Everything else goes through ./run, which sets up what is missing first.
.PHONY: package package-tar demo test lint icons

package:
	./run package

package-tar:
	./run package --tar

icons:
	.venv/bin/python packaging/render_icons.py

demo:
	./run demo

test:
	./run test

lint:
	./run lint
