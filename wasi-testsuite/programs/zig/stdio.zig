//! Zig 0.17's standard I/O, as a Zig program uses it: its stdout writer
//! writes by position first (fd_pwrite at the offset it keeps) and falls
//! back to fd_write when stdout is a stream (ESPIPE), so under wasi-run,
//! where stdio are streams as under wasmtime, its output goes where the
//! shell left the file. Prints its arguments and the contents of
//! given.txt from its current directory (Zig's is the first preopen).
const std = @import("std");

pub fn main(init: std.process.Init) !void {
    var buf: [512]u8 = undefined;
    var w = std.Io.File.stdout().writer(init.io, &buf);
    const out = &w.interface;
    var args = try init.minimal.args.iterateAllocator(init.gpa);
    defer args.deinit();
    _ = args.skip();
    var i: usize = 1;
    while (args.next()) |arg| : (i += 1) {
        try out.print("arg {d}: {s}\n", .{ i, arg });
    }
    try out.flush();
    var contents: [64]u8 = undefined;
    const text = try std.Io.Dir.cwd().readFile(init.io, "given.txt", &contents);
    try out.print("given.txt: {s}", .{text});
    try out.print("zig stdio ok\n", .{});
    try out.flush();
}
