//! The fd table: guest fd numbers to entries (each system's own), shared
//! by every system.
//!
//! A `Vec` indexed by the guest fd: a lookup is one bounds check, with no
//! lock and no hashing. New fds take the lowest free number.

use wasi_abi::{Errno, Fd};

/// The table of open guest fds.
#[derive(Debug)]
pub(crate) struct FdTable<E> {
    slots: Vec<Option<E>>,
    /// No slot below this index is free.
    lowest_free: usize,
    open: usize,
    /// The most fds the guest may hold open at once.
    max_open: Option<usize>,
    /// How many opens `max_open` refused.
    refused: usize,
}

impl<E> FdTable<E> {
    pub(crate) fn set_max_open(&mut self, max: Option<usize>) {
        self.max_open = max;
    }

    #[inline]
    pub(crate) fn get(&self, fd: Fd) -> Result<&E, Errno> {
        match self.slots.get(fd as usize) {
            Some(Some(e)) => Ok(e),
            _ => Err(Errno::BADF),
        }
    }

    #[inline]
    pub(crate) fn get_mut(&mut self, fd: Fd) -> Result<&mut E, Errno> {
        match self.slots.get_mut(fd as usize) {
            Some(Some(e)) => Ok(e),
            _ => Err(Errno::BADF),
        }
    }

    fn check_room(&mut self) -> Result<(), Errno> {
        match self.max_open {
            Some(max) if self.open >= max => {
                self.refused += 1;
                Err(Errno::MFILE)
            }
            _ => Ok(()),
        }
    }

    /// How many times the limit on open fds refused one.
    pub(crate) fn refused(&self) -> usize {
        self.refused
    }

    /// Fills an empty table with the initial entries (stdio, preopens),
    /// numbered from 0; `None` leaves a number free.
    pub(crate) fn fill(&mut self, slots: Vec<Option<E>>) {
        debug_assert!(self.slots.is_empty());
        self.open = slots.iter().filter(|s| s.is_some()).count();
        self.slots = slots;
        self.lowest_free = 0;
    }

    /// Stores `entry` under the lowest free fd.
    pub(crate) fn insert(&mut self, entry: E) -> Result<Fd, Errno> {
        self.check_room()?;
        while self.lowest_free < self.slots.len() && self.slots[self.lowest_free].is_some() {
            self.lowest_free += 1;
        }
        let fd = self.lowest_free;
        let fd32 = Fd::try_from(fd).map_err(|_| Errno::MFILE)?;
        if fd == self.slots.len() {
            self.slots.push(Some(entry));
        } else {
            self.slots[fd] = Some(entry);
        }
        self.lowest_free = fd + 1;
        self.open += 1;
        Ok(fd32)
    }

    /// Removes and returns the entry for `fd`.
    pub(crate) fn remove(&mut self, fd: Fd) -> Result<E, Errno> {
        let slot = self.slots.get_mut(fd as usize).ok_or(Errno::BADF)?;
        let entry = slot.take().ok_or(Errno::BADF)?;
        self.lowest_free = self.lowest_free.min(fd as usize);
        self.open -= 1;
        while matches!(self.slots.last(), Some(None)) {
            self.slots.pop();
        }
        Ok(entry)
    }

    /// `fd_renumber`: moves `from` onto `to`, closing what `to` held.
    /// Both must be open.
    pub(crate) fn renumber(&mut self, from: Fd, to: Fd) -> Result<(), Errno> {
        self.get(from)?;
        self.get(to)?;
        if from == to {
            return Ok(());
        }
        let entry = self.remove(from)?;
        let old = self.slots[to as usize].replace(entry);
        drop(old);
        Ok(())
    }

    /// Iterates over open fds.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (Fd, &E)> {
        self.slots.iter().enumerate().filter_map(|(i, e)| e.as_ref().map(|e| (i as Fd, e)))
    }
}

impl<E> Default for FdTable<E> {
    fn default() -> Self {
        FdTable { slots: Vec::new(), lowest_free: 0, open: 0, max_open: None, refused: 0 }
    }
}
