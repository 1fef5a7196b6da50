"""Running trackers over datasets and scoring them (the research loop; the tracker never imports this)."""
