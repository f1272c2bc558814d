"""cnnbook: an explorable textbook on convolutional neural networks, built from networks it trains."""

__version__ = "0.1.0"
