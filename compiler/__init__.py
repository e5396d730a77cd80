"""qmlc compiler: model specs, lowering passes and the IR stages they produce."""

__version__ = "0.1.0"
