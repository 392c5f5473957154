"""An independent family of test bills (the holdout): layouts, wordings, receipts and photos
the main generator (`billintake_devkit.synth`) never makes, to measure how extraction generalises.

    python -m billintake_devkit.synth_holdout --out /tmp/holdout --seed 4242 --count 60
"""

from .generate import HoldoutDoc, generate

__all__ = ["HoldoutDoc", "generate"]
