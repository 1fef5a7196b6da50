"""The models: the registry (which network each model is), safe checkpoint loading, where each
model's weights live, the downloader of published checkpoints, stand-in weights for plumbing.
"""
