"""The pieces of a training job (jobs/train.py puts them together): datasets, trainer, callbacks, best-model
tracking, checkpoints and artifacts in storage."""
