"""Network definitions. `build_network(name)` is the entry point."""
from .siamese import ARCHITECTURES, Kernels, SearchOutput, SiameseNetwork, build_network

__all__ = ["ARCHITECTURES", "Kernels", "SearchOutput", "SiameseNetwork", "build_network"]
