"""Active learning: which unlabelled rows are most worth labelling next (the `score` job), and whether that pays off
on a team's own data (the `simulate` job).

    strategies.py  the scores, as pure functions over numpy arrays (margin, entropy, k-centre greedy, ...)
    selection.py   k rows picked by a strategy of the contract, each with a plain-English reason
    scoring.py     a loaded model's probabilities, greedy answers with token statistics, and embeddings
    simulation.py  the active-learning loop replayed on a labelled set, with a logistic regression as the learner
    pool.py        a dataset file read as a stream; seeded samples of it
    progress.py    chunks of finished work saved under the job's output prefix, read back by a retry
    work.py        rows through the model in batches, with progress events, saved chunks and hand-back
"""
