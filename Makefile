# The two commands in the README: `make video` and `make test`. Both set everything up first.
PY := .venv/bin/python

.PHONY: setup setup-test video gif slides test bench clean

setup:
	@bash scripts/setup.sh

setup-test:
	@bash scripts/setup.sh --test

# The main job: the 1080p60 lecture video, rendered on every core (JOBS=1: one process), and the
# classic GIF, from manim.cfg's [nnviz] run.
JOBS ?= $(shell nproc 2>/dev/null || echo 1)
video: setup
	.venv/bin/nnviz render TrainingLecture --quality h --jobs $(JOBS)
	.venv/bin/nnviz gif

gif: setup
	.venv/bin/nnviz gif

# A talk: TrainingLecture as slides, converted to an HTML deck that works offline, and to pptx.
SLIDES ?= TrainingLectureSlides
slides: setup
	bash scripts/revealjs.sh
	.venv/bin/manim-slides render -qh scenes/slides.py $(SLIDES)
	.venv/bin/manim-slides convert $(SLIDES) talk.html -ccdn_url=slides/reveal.js
	.venv/bin/manim-slides convert --to pptx $(SLIDES) talk.pptx

# The suite on every core, a test file to a process (a file's fixtures render once).
test: setup-test
	$(PY) -m pytest -n $(JOBS) --dist loadfile

bench: setup
	$(PY) bench/gif_speed.py
	$(PY) bench/manim_speed.py
	$(PY) bench/render_jobs.py
	$(PY) bench/history_scale.py
	$(PY) bench/optim_speed.py

clean:
	rm -rf media/videos media/images media/texts media/Tex media/gifs/*.gif
