//! A work queue of app names with client-go's guarantees: an app is queued
//! at most once, never processed by two workers at a time, and an app
//! queued again while being processed is processed once more afterwards.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;

/// The queue; clones share it.
#[derive(Debug, Clone, Default)]
pub(crate) struct WorkQueue {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    state: Mutex<State>,
    ready: Notify,
}

#[derive(Debug, Default)]
struct State {
    /// Queued, in order.
    order: VecDeque<String>,
    /// Queued or waiting to be queued again after processing.
    dirty: HashSet<String>,
    /// Handed to a worker and not yet done.
    processing: HashSet<String>,
}

impl WorkQueue {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `name` unless it is queued already.
    pub(crate) fn add(&self, name: &str) {
        let mut state = self.state();
        if !state.dirty.insert(name.to_owned()) {
            return;
        }
        if !state.processing.contains(name) {
            state.order.push_back(name.to_owned());
            drop(state);
            self.inner.ready.notify_one();
        }
    }

    /// Queues `name` after `delay` (in a background task).
    pub(crate) fn add_after(&self, name: &str, delay: Duration) {
        let queue = self.clone();
        let name = name.to_owned();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            queue.add(&name);
        });
    }

    /// The next name to process; waits while the queue is empty.
    pub(crate) async fn next(&self) -> String {
        loop {
            let notified = self.inner.ready.notified();
            {
                let mut state = self.state();
                if let Some(name) = state.order.pop_front() {
                    state.dirty.remove(&name);
                    state.processing.insert(name.clone());
                    // Let another waiting worker look at what is left.
                    if !state.order.is_empty() {
                        self.inner.ready.notify_one();
                    }
                    return name;
                }
            }
            notified.await;
        }
    }

    /// Marks `name` processed; it is queued again if it was added meanwhile.
    pub(crate) fn done(&self, name: &str) {
        let mut state = self.state();
        state.processing.remove(name);
        if state.dirty.contains(name) {
            state.order.push_back(name.to_owned());
            drop(state);
            self.inner.ready.notify_one();
        }
    }

    /// How many names are queued (not counting those being processed).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.state().order.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_name_is_queued_once() {
        let q = WorkQueue::default();
        q.add("a");
        q.add("a");
        q.add("b");
        assert_eq!(q.len(), 2);
        assert_eq!(q.next().await, "a");
        assert_eq!(q.next().await, "b");
    }

    #[tokio::test]
    async fn a_name_added_while_processing_comes_back_after_done() {
        let q = WorkQueue::default();
        q.add("a");
        assert_eq!(q.next().await, "a");
        q.add("a");
        assert_eq!(q.len(), 0, "not handed to a second worker while processing");
        q.done("a");
        assert_eq!(q.len(), 1);
        assert_eq!(q.next().await, "a");
        q.done("a");
        assert_eq!(q.len(), 0);
    }

    #[tokio::test]
    async fn next_waits_for_an_add() {
        let q = WorkQueue::default();
        let waiter = {
            let q = q.clone();
            tokio::spawn(async move { q.next().await })
        };
        tokio::task::yield_now().await;
        q.add("late");
        let got = tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .expect("woken")
            .expect("task");
        assert_eq!(got, "late");
    }

    #[tokio::test(start_paused = true)]
    async fn add_after_queues_once_the_delay_has_passed() {
        let q = WorkQueue::default();
        q.add_after("a", Duration::from_secs(10));
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert_eq!(q.len(), 0);
        tokio::time::sleep(Duration::from_secs(6)).await;
        assert_eq!(q.len(), 1);
    }
}
