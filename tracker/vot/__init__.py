"""The VOT toolkit side: the TraX server the toolkit runs, the toolkit workflow (evaluate,
analysis, report, pack), and the offline demo with its synthetic data.
"""
