"""Network building blocks; tracker/zoo/registry.py says which network each model is."""
from .siamese import Kernels, SearchOutput, SiameseNetwork

__all__ = ["Kernels", "SearchOutput", "SiameseNetwork"]
