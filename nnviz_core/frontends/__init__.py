"""The front ends, above both renderers: the CLI (`nnviz`), render in parts (`nnviz render`)
and the GIF writer. They may import the engine, `nnviz_core.dashboard` and `scenes`; nothing
below imports them."""
