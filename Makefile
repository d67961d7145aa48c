# reelscore: `make demo` (install + analyze a generated sample) and `make test` (install + tests).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip

.PHONY: install demo test bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e ".[test]"
	# both declare the GUI opencv-python, which would shadow the headless cv2: install without deps
	# (their other needs are listed in pyproject.toml)
	$(PIP) install -q --no-deps "rapidocr-onnxruntime==1.4.4" "scenedetect==0.7.2"
	# MTCNN's trained weights (facenet_pytorch/data/*.pt, 2 MB) for the faces analyzer: only the weight files
	# are read; its code and its pins (torch<2.3, torchvision, Pillow<10.3) are not wanted
	$(PIP) install -q --no-deps "facenet-pytorch==2.6.0"
	$(PIP) uninstall -q -y opencv-python 2>/dev/null || true
	$(PY) -c "import cv2, sys; sys.exit(0 if cv2.data.haarcascades else 1)"
	touch $@

demo: install
	$(VENV)/bin/reelscore sample out/sample.mp4
	$(VENV)/bin/reelscore analyze out/sample.mp4 --caption "3 coffee tips nobody tells you ☕ Save this for later! #coffee #barista #homecafe" --followers 12000 --profile --report out/report.html

test: install
	$(PY) -m pytest -q

bench: install
	$(PY) bench/analyzers_vs_decode.py

clean:
	rm -rf $(VENV) out .pytest_cache
