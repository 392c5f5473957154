"""The trained candidate scorer (the `field_scorer` pipeline component); see train_model.py."""
