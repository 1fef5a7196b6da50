"""Network building blocks; tracker/models.py says which network each model is."""
from .siamese import Kernels, SearchOutput, SiameseNetwork

__all__ = ["Kernels", "SearchOutput", "SiameseNetwork"]
