"""The tracking algorithm: frame → crop → network → decode / penalise → state update → result.

siamese_tracker (the algorithm), settings (its parameters), geometry (regions, crops, anchors,
points, boxes), network_runner (exact or fast network execution), online_update, images (input frames).
Imports only tracker.nets and tracker.errors.
"""
