"""Views: captured data → figures and tables, one module per operation (mirroring `cnnbook.render`).

Every view takes a `Network` (a trained network as its capture entry holds it) and returns
something Jupyter can display: a `Figure`, a `Table`, `Math` or `Markdown`. Chapters call
them through `cnnbook.book`; atlas and walk pages call them directly. No view runs a
network or loads a dataset: the capture stage did that once.
"""
