//! Sync planning: phases, hooks, waves, kind order and pruning.
