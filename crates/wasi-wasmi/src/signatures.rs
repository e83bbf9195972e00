//! The one table of `wasi_snapshot_preview1` imports: every function's name
//! and parameters, written once and expanded wherever it is needed (the
//! linker registration, the signature list, the tests).
//!
//! Each parameter's type is its core wasm type: `u32` is an `i32`
//! parameter, `u64` an `i64`. Every function returns an `i32` errno,
//! except `proc_exit`, which returns nothing.

/// Invokes `$m!` with the whole table.
#[macro_export]
#[doc(hidden)]
macro_rules! for_each_preview1_import {
    ($m:ident) => {
        $m! {
            args_get(argv: u32, argv_buf: u32);
            args_sizes_get(argc: u32, argv_buf_size: u32);
            environ_get(environ: u32, environ_buf: u32);
            environ_sizes_get(environc: u32, environ_buf_size: u32);
            clock_res_get(id: u32, resolution: u32);
            clock_time_get(id: u32, precision: u64, time: u32);
            fd_advise(fd: u32, offset: u64, len: u64, advice: u32);
            fd_allocate(fd: u32, offset: u64, len: u64);
            fd_close(fd: u32);
            fd_datasync(fd: u32);
            fd_fdstat_get(fd: u32, stat: u32);
            fd_fdstat_set_flags(fd: u32, flags: u32);
            fd_fdstat_set_rights(fd: u32, fs_rights_base: u64, fs_rights_inheriting: u64);
            fd_filestat_get(fd: u32, buf: u32);
            fd_filestat_set_size(fd: u32, size: u64);
            fd_filestat_set_times(fd: u32, atim: u64, mtim: u64, fst_flags: u32);
            fd_pread(fd: u32, iovs: u32, iovs_len: u32, offset: u64, nread: u32);
            fd_prestat_get(fd: u32, buf: u32);
            fd_prestat_dir_name(fd: u32, path: u32, path_len: u32);
            fd_pwrite(fd: u32, iovs: u32, iovs_len: u32, offset: u64, nwritten: u32);
            fd_read(fd: u32, iovs: u32, iovs_len: u32, nread: u32);
            fd_readdir(fd: u32, buf: u32, buf_len: u32, cookie: u64, bufused: u32);
            fd_renumber(fd: u32, to: u32);
            fd_seek(fd: u32, offset: u64, whence: u32, newoffset: u32);
            fd_sync(fd: u32);
            fd_tell(fd: u32, offset: u32);
            fd_write(fd: u32, iovs: u32, iovs_len: u32, nwritten: u32);
            path_create_directory(fd: u32, path: u32, path_len: u32);
            path_filestat_get(fd: u32, flags: u32, path: u32, path_len: u32, buf: u32);
            path_filestat_set_times(fd: u32, flags: u32, path: u32, path_len: u32, atim: u64, mtim: u64, fst_flags: u32);
            path_link(old_fd: u32, old_flags: u32, old_path: u32, old_path_len: u32, new_fd: u32, new_path: u32, new_path_len: u32);
            path_open(fd: u32, dirflags: u32, path: u32, path_len: u32, oflags: u32, fs_rights_base: u64, fs_rights_inheriting: u64, fdflags: u32, opened_fd: u32);
            path_readlink(fd: u32, path: u32, path_len: u32, buf: u32, buf_len: u32, bufused: u32);
            path_remove_directory(fd: u32, path: u32, path_len: u32);
            path_rename(fd: u32, old_path: u32, old_path_len: u32, new_fd: u32, new_path: u32, new_path_len: u32);
            path_symlink(old_path: u32, old_path_len: u32, fd: u32, new_path: u32, new_path_len: u32);
            path_unlink_file(fd: u32, path: u32, path_len: u32);
            poll_oneoff(in_: u32, out: u32, nsubscriptions: u32, nevents: u32);
            proc_exit(rval: u32) -> !;
            proc_raise(sig: u32);
            sched_yield();
            random_get(buf: u32, buf_len: u32);
            sock_accept(fd: u32, flags: u32, result_fd: u32);
            sock_recv(fd: u32, ri_data: u32, ri_data_len: u32, ri_flags: u32, ro_datalen: u32, ro_flags: u32);
            sock_send(fd: u32, si_data: u32, si_data_len: u32, si_flags: u32, so_datalen: u32);
            sock_shutdown(fd: u32, how: u32);
        }
    };
}

/// The core wasm type of a parameter in the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WasmType {
    /// `i32`
    I32,
    /// `i64`
    I64,
}

/// One import: its name, parameter types, and whether it returns an errno.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signature {
    /// The import's field name.
    pub name: &'static str,
    /// The parameters' core types.
    pub params: &'static [WasmType],
    /// `true` for the 45 calls that return an `i32` errno; `false` for
    /// `proc_exit`.
    pub returns_errno: bool,
}

macro_rules! wasm_type {
    (u32) => {
        WasmType::I32
    };
    (u64) => {
        WasmType::I64
    };
}

macro_rules! returns_errno {
    () => {
        true
    };
    (!) => {
        false
    };
}

macro_rules! signature_list {
    ($( $name:ident ( $($p:ident : $t:ident),* ) $(-> $never:tt)? ; )*) => {
        /// Every `wasi_snapshot_preview1` import, in the spec's order.
        pub const SIGNATURES: &[Signature] = &[ $(
            Signature {
                name: stringify!($name),
                params: &[ $( wasm_type!($t) ),* ],
                returns_errno: returns_errno!($($never)?),
            },
        )* ];
    };
}
for_each_preview1_import!(signature_list);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forty_six_imports() {
        assert_eq!(SIGNATURES.len(), 46);
        let exits: Vec<_> = SIGNATURES.iter().filter(|s| !s.returns_errno).map(|s| s.name).collect();
        assert_eq!(exits, ["proc_exit"]);
        let open = SIGNATURES.iter().find(|s| s.name == "path_open").unwrap();
        assert_eq!(open.params.len(), 9);
        assert_eq!(open.params[5], WasmType::I64);
    }
}
