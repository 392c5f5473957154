"""Learning from documents whose truth is known: labelled examples for training."""
