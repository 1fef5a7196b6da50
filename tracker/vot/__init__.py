"""The VOT toolkit side, one module per job: the TraX server the toolkit runs (trax_server),
trackers.ini's entries (trackers_ini), the toolkit workflow (workflow: the command line over
toolkit, workspace, realtime_fps, results, summary_table, plots), and the offline demo with its
synthetic data (demo, demo_data).
"""
