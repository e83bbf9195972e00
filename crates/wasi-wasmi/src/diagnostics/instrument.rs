//! The rewrite: a shadow stack of function indices (and, for source lines,
//! of the last position each frame reached), kept by code added at every
//! function's entry and exits, in a memory and globals appended to the
//! module (so no index the guest uses moves, and nothing the guest can
//! address changes).
//!
//! A function that calls something becomes:
//!
//! ```text
//! (local $saved i32)                        ;; appended after the others
//! global.get $sp  local.tee $saved          ;; push: the record at $sp & MASK
//! i32.const MASK  i32.and  i32.const FUNC  i32.store $shadow
//! local.get $saved  i32.const RECORD  i32.add  global.set $sp
//! ...                                       ;; the body, with before each
//! local.get $saved  global.set $sp          ;; `return`, `return_call*` and
//! end                                       ;; the final `end`: pop
//! ```
//!
//! A leaf (a function that calls nothing) only names itself in `$leaf`
//! while it runs (`i32.const FUNC global.set $leaf` on entry, -1 at each
//! way out): nothing can be live under it, so it needs no record, and
//! setting a global costs the interpreter a fraction of a store to a
//! second memory. A branch to the function's own label (`br`, `br_if`,
//! `br_table` at the outermost depth) leaves it without a `return`: such a
//! body goes into a `block` of the function's results, which the branch
//! leaves, and the pop follows the block.
//!
//! A trap skips the pops, so after one the records below `$sp` are the
//! frames that were live, innermost last, and `$leaf` the innermost if a
//! leaf trapped. With positions (source lines), every function keeps a
//! record, 8 bytes: the function index and the module offset of the last
//! call or trapping instruction the frame reached, stored before it runs.
//! Without positions a record is the function index alone, 2 bytes when
//! every index fits (a module of fewer than 65,535 functions) and 4 when
//! not. The records live in a ring of 16,384 (8,192 with positions): a
//! deeper stack keeps its innermost frames. The ring of 2-byte records is
//! 32 KiB, a memory of 1-byte pages (custom page sizes, which only the
//! rewrite's own memory uses: the original is validated without them);
//! the others are one 64 KiB page.
//!
//! The same pass validates the original module (wasmparser's validator,
//! with the engine's proposals), reading each function once for both, and
//! splits the function bodies among threads when there are megabytes of
//! them: the rewritten module is then valid by construction, so the engine
//! compiles it without validating it again ([`super::Prepared::compile`]),
//! and a large module starts about as fast as it did without backtraces.
//! Everything between the points the rewrite changes is copied as it is.

use super::Detail;
use std::collections::HashMap;
use wasm_encoder::{BlockType, Encode, Instruction as I, ValType as EncValType};
use wasmparser::{
    BinaryReader, BinaryReaderError, Chunk, FuncToValidate, FuncType, FuncValidator, FuncValidatorAllocations,
    FunctionBody, Parser, Payload, TypeRef, ValidPayload, Validator, ValidatorResources, VisitOperator,
    VisitSimdOperator, WasmFeatures,
};

/// The export the shadow stack's memory is reached by (a name no toolchain
/// emits: exports are the host's, and the guest cannot see its own).
pub(crate) const SHADOW_MEMORY: &str = "wasi-run:shadow-stack";
/// The export the shadow stack pointer is reached by.
pub(crate) const SHADOW_SP: &str = "wasi-run:shadow-sp";
/// The export of `$leaf`, the leaf function running (or -1).
pub(crate) const SHADOW_LEAF: &str = "wasi-run:shadow-leaf";
/// The exports of every memory and global, for a core dump: this prefix
/// and the index.
pub(crate) const MEMORY_PREFIX: &str = "wasi-run:memory:";
pub(crate) const GLOBAL_PREFIX: &str = "wasi-run:global:";
/// What every export the rewrite adds starts with.
pub(crate) const EXPORT_PREFIX: &str = "wasi-run:";

/// The largest shadow stack: one 64 KiB page, a ring of records.
pub(crate) const RING_BYTES: u32 = 1 << 16;

/// How many records a ring of function indices holds.
const RING_RECORDS: u32 = 1 << 14;

/// The most locals a function may have (the validator's limit, parameters
/// included): a function with that many has no room for `$saved`.
const MAX_LOCALS: u32 = 50_000;

/// Function bodies below this many bytes are rewritten on the calling
/// thread; above it, on up to [`MAX_THREADS`].
const PARALLEL_BYTES: usize = 1 << 20;
const MAX_THREADS: usize = 8;

/// What the rewrite made, for reading the shadow stack back.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    /// Bytes per record: 2 or 4 (function index) or 8 (and position).
    pub(crate) record: u32,
    /// Bytes of the ring (the shadow stack's memory).
    pub(crate) ring: u32,
    /// How many memories and globals the original module has.
    pub(crate) memories: u32,
    pub(crate) globals: u32,
}

/// Why a module is run without instrumentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Why, in a few words.
    pub reason: String,
    /// The module is not valid WebAssembly: compiling it says why, so
    /// there is nothing to add.
    pub invalid: bool,
}

impl Skipped {
    fn new(reason: impl Into<String>) -> Self {
        Skipped { reason: reason.into(), invalid: false }
    }
}

impl std::fmt::Display for Skipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

impl From<BinaryReaderError> for Skipped {
    fn from(e: BinaryReaderError) -> Self {
        Skipped { reason: format!("it is not valid: {e}"), invalid: true }
    }
}

/// The facts about the original module the rewrite needs.
#[derive(Default)]
struct Facts {
    types: Vec<FuncType>,
    imported_funcs: u32,
    memories: u32,
    globals: u32,
    /// The type index of each defined function.
    func_types: Vec<u32>,
    export_names: Vec<String>,
}

/// What rewriting one function needs to know.
struct Ctx {
    features: WasmFeatures,
    /// Bytes per record.
    record: u32,
    /// Bytes of the ring.
    ring: u32,
    shadow: u32,
    sp: u32,
    /// `$leaf`: the leaf function running, or -1.
    leaf: u32,
    imported_funcs: u32,
    /// Each defined function's wrapper block type.
    block_types: Vec<BlockType>,
}

impl Ctx {
    /// The mask that keeps a record's address in the ring.
    fn mask(&self) -> i32 {
        ((self.ring - 1) & !(self.record - 1)) as i32
    }
}

/// Rewrites `wasm` as the module comment says, validating it under
/// `features` in the same pass. `dump` also exports every memory and global
/// (for core dumps).
pub(crate) fn rewrite(
    wasm: &[u8],
    detail: Detail,
    dump: bool,
    features: WasmFeatures,
) -> Result<(Vec<u8>, Layout), Skipped> {
    let facts = facts(wasm)?;
    for name in &facts.export_names {
        if name.starts_with(EXPORT_PREFIX) {
            return Err(Skipped::new(format!("it already exports {name:?}")));
        }
    }
    let funcs = facts.imported_funcs as usize + facts.func_types.len();
    let record = match detail {
        Detail::Lines => 8,
        Detail::Frames if funcs < usize::from(u16::MAX) => 2,
        Detail::Frames => 4,
    };
    let ring = (RING_RECORDS * record).min(RING_BYTES);
    // Block types for functions with more than one result: a new type
    // each, appended (no existing type index moves).
    let mut extra_types: Vec<FuncType> = Vec::new();
    let mut multi: HashMap<Vec<wasmparser::ValType>, u32> = HashMap::new();
    let base_types = facts.types.len() as u32;
    let mut block_types = Vec::with_capacity(facts.func_types.len());
    for &t in &facts.func_types {
        // An index past the types is invalid: the validator says so below.
        let Some(ty) = facts.types.get(t as usize) else {
            block_types.push(BlockType::Empty);
            continue;
        };
        block_types.push(match ty.results() {
            [] => BlockType::Empty,
            [one] => BlockType::Result(enc_val(*one)?),
            many => {
                let next = base_types + extra_types.len() as u32;
                BlockType::FunctionType(*multi.entry(many.to_vec()).or_insert_with(|| {
                    extra_types.push(FuncType::new([], many.iter().copied()));
                    next
                }))
            }
        });
    }
    let ctx = Ctx {
        features,
        record,
        ring,
        shadow: facts.memories,
        sp: facts.globals,
        leaf: facts.globals + 1,
        imported_funcs: facts.imported_funcs,
        block_types,
    };

    let mut validator = Validator::new_with_features(features);
    let mut out = Vec::with_capacity(wasm.len() + wasm.len() / 8 + 1024);
    out.extend_from_slice(&[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    let mut pending = Pending { types: !extra_types.is_empty(), memory: true, global: true, export: true };
    let mut funcs: Vec<(FuncToValidate<ValidatorResources>, FunctionBody<'_>)> = Vec::new();
    let mut code_count = 0;
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload?;
        match validator.payload(&payload)? {
            ValidPayload::Func(f, body) => funcs.push((f, body)),
            ValidPayload::Parser(_) => return Err(Skipped::new("it nests modules")),
            ValidPayload::Ok | ValidPayload::End(_) => {}
        }
        let id_range = match &payload {
            Payload::Version { .. } | Payload::End(_) | Payload::CodeSectionEntry(_) => None,
            Payload::CodeSectionStart { range, .. } => Some((10u8, range.clone())),
            Payload::CustomSection(c) => Some((0, c.range())),
            other => other.as_section(),
        };
        // Sections this rewrite adds to, when the module has none: emitted
        // where they belong, before the first section that follows them.
        if let Some((id, _)) = &id_range {
            pending.flush_before(*id, &mut out, &extra_types, &facts, &ctx, dump)?;
        }
        match payload {
            Payload::TypeSection(r) if pending.types => {
                section(&mut out, 1, &append(wasm, r.range(), extra_types.len() as u32, &encode_types(&extra_types)?)?);
                pending.types = false;
            }
            Payload::MemorySection(r) => {
                section(&mut out, 5, &append(wasm, r.range(), 1, &shadow_memory_entry(ring))?);
                pending.memory = false;
            }
            Payload::GlobalSection(r) => {
                section(&mut out, 6, &append(wasm, r.range(), 2, &globals_entries())?);
                pending.global = false;
            }
            Payload::ExportSection(r) => {
                let (n, extra) = exports(&facts, &ctx, dump);
                section(&mut out, 7, &append(wasm, r.range(), n, &extra)?);
                pending.export = false;
            }
            Payload::CodeSectionStart { count, .. } => {
                code_count = count as usize;
                if count == 0 {
                    section(&mut out, 10, &[0]);
                }
            }
            Payload::CodeSectionEntry(_) => {
                if funcs.len() == code_count {
                    code_section(&mut out, wasm, std::mem::take(&mut funcs), &ctx)?;
                }
            }
            Payload::Version { .. } | Payload::End(_) => {}
            _ => {
                if let Some((id, range)) = id_range {
                    // A custom section's range is its contents (name and
                    // payload): re-framed as they are, as is every other.
                    section(&mut out, id, &wasm[range]);
                }
            }
        }
    }
    pending.flush_before(u8::MAX, &mut out, &extra_types, &facts, &ctx, dump)?;
    let layout = Layout { record, ring, memories: facts.memories, globals: facts.globals };
    Ok((out, layout))
}

/// The sections still to be added when the module had none of their kind.
struct Pending {
    types: bool,
    memory: bool,
    global: bool,
    export: bool,
}

/// A section's place in the required order (custom sections aside).
fn order(id: u8) -> u8 {
    match id {
        // The tag section (13) sits between memory and global.
        13 => 6,
        6..=12 => id + 1,
        other => other,
    }
}

impl Pending {
    fn flush_before(
        &mut self,
        next: u8,
        out: &mut Vec<u8>,
        extra_types: &[FuncType],
        facts: &Facts,
        ctx: &Ctx,
        dump: bool,
    ) -> Result<(), Skipped> {
        if next == 0 {
            return Ok(());
        }
        let next = if next == u8::MAX { u8::MAX } else { order(next) };
        let mut add = |id: u8, count: u32, entries: &[u8]| {
            let mut content = Vec::with_capacity(entries.len() + 5);
            count.encode(&mut content);
            content.extend_from_slice(entries);
            section(out, id, &content);
        };
        if self.types && next > order(1) {
            // Types were needed but the module has no type section: it has
            // no functions either, so no block types were made.
            add(1, extra_types.len() as u32, &encode_types(extra_types)?);
            self.types = false;
        }
        if self.memory && next > order(5) {
            add(5, 1, &shadow_memory_entry(ctx.ring));
            self.memory = false;
        }
        if self.global && next > order(6) {
            add(6, 2, &globals_entries());
            self.global = false;
        }
        if self.export && next > order(7) {
            let (n, extra) = exports(facts, ctx, dump);
            add(7, n, &extra);
            self.export = false;
        }
        Ok(())
    }
}

/// Reads what the rewrite needs from the original module, skipping its
/// code.
fn facts(wasm: &[u8]) -> Result<Facts, Skipped> {
    let mut f = Facts::default();
    let mut parser = Parser::new(0);
    let mut rest = wasm;
    loop {
        let (payload, consumed) = match parser.parse(rest, true)? {
            Chunk::Parsed { consumed, payload } => (payload, consumed),
            Chunk::NeedMoreData(_) => return Err(Skipped { reason: "it ends early".into(), invalid: true }),
        };
        rest = &rest[consumed..];
        match payload {
            Payload::TypeSection(r) => {
                for ty in r.into_iter_err_on_gc_types() {
                    f.types.push(ty.map_err(|_| Skipped::new("it uses garbage-collected types"))?);
                }
            }
            Payload::ImportSection(r) => {
                for import in r {
                    match import?.ty {
                        TypeRef::Func(_) => f.imported_funcs += 1,
                        TypeRef::Memory(_) => f.memories += 1,
                        TypeRef::Global(_) => f.globals += 1,
                        _ => {}
                    }
                }
            }
            Payload::FunctionSection(r) => {
                for t in r {
                    f.func_types.push(t?);
                }
            }
            Payload::MemorySection(r) => f.memories += r.count(),
            Payload::GlobalSection(r) => f.globals += r.count(),
            Payload::ExportSection(r) => {
                for e in r {
                    f.export_names.push(e?.name.to_owned());
                }
            }
            Payload::TagSection(_) => return Err(Skipped::new("it uses exception handling")),
            Payload::CodeSectionStart { size, .. } => {
                parser.skip_section();
                rest = rest.get(size as usize..).ok_or(Skipped { reason: "it ends early".into(), invalid: true })?;
            }
            Payload::End(_) => return Ok(f),
            _ => {}
        }
    }
}

fn enc_val(t: wasmparser::ValType) -> Result<EncValType, Skipped> {
    Ok(match t {
        wasmparser::ValType::I32 => EncValType::I32,
        wasmparser::ValType::I64 => EncValType::I64,
        wasmparser::ValType::F32 => EncValType::F32,
        wasmparser::ValType::F64 => EncValType::F64,
        wasmparser::ValType::V128 => EncValType::V128,
        wasmparser::ValType::Ref(r) if r.is_func_ref() && r.is_nullable() => EncValType::FUNCREF,
        wasmparser::ValType::Ref(r) if r.is_extern_ref() && r.is_nullable() => EncValType::EXTERNREF,
        wasmparser::ValType::Ref(_) => return Err(Skipped::new("it uses typed references")),
    })
}

/// The encoded entries of `types` (function types), without their count.
fn encode_types(types: &[FuncType]) -> Result<Vec<u8>, Skipped> {
    let mut section = wasm_encoder::TypeSection::new();
    for t in types {
        let params = t.params().iter().map(|v| enc_val(*v)).collect::<Result<Vec<_>, _>>()?;
        let results = t.results().iter().map(|v| enc_val(*v)).collect::<Result<Vec<_>, _>>()?;
        section.ty().function(params, results);
    }
    let mut bytes = Vec::new();
    section.encode(&mut bytes);
    // The section's own encoding is its byte size, then the count: skip both.
    let mut r = BinaryReader::new(&bytes, 0);
    r.read_var_u32()?;
    r.read_var_u32()?;
    Ok(bytes[r.current_position()..].to_vec())
}

/// The shadow stack's memory, `ring` bytes, not growable: one 64 KiB
/// page, or that many 1-byte pages.
fn shadow_memory_entry(ring: u32) -> Vec<u8> {
    let mut bytes = Vec::new();
    let (pages, page_size_log2) = if ring == RING_BYTES { (1, None) } else { (u64::from(ring), Some(0)) };
    wasm_encoder::MemoryType { minimum: pages, maximum: Some(pages), memory64: false, shared: false, page_size_log2 }
        .encode(&mut bytes);
    bytes
}

/// The globals the rewrite adds: the shadow stack pointer (from 0) and
/// `$leaf` (from -1, no leaf running), mutable i32s.
fn globals_entries() -> Vec<u8> {
    let mut bytes = Vec::new();
    for init in [0, -1] {
        wasm_encoder::GlobalType { val_type: EncValType::I32, mutable: true, shared: false }.encode(&mut bytes);
        wasm_encoder::ConstExpr::i32_const(init).encode(&mut bytes);
    }
    bytes
}

/// The exports the rewrite adds: their count and encoded entries.
fn exports(facts: &Facts, ctx: &Ctx, dump: bool) -> (u32, Vec<u8>) {
    let mut bytes = Vec::new();
    let mut n = 0;
    let mut add = |name: &str, kind: wasm_encoder::ExportKind, index: u32| {
        name.encode(&mut bytes);
        kind.encode(&mut bytes);
        index.encode(&mut bytes);
        n += 1;
    };
    add(SHADOW_MEMORY, wasm_encoder::ExportKind::Memory, ctx.shadow);
    add(SHADOW_SP, wasm_encoder::ExportKind::Global, ctx.sp);
    add(SHADOW_LEAF, wasm_encoder::ExportKind::Global, ctx.leaf);
    if dump {
        for m in 0..facts.memories {
            add(&format!("{MEMORY_PREFIX}{m}"), wasm_encoder::ExportKind::Memory, m);
        }
        for g in 0..facts.globals {
            add(&format!("{GLOBAL_PREFIX}{g}"), wasm_encoder::ExportKind::Global, g);
        }
    }
    (n, bytes)
}

/// A section's contents with `extra_count` more entries (`extra`) after the
/// original ones; `range` is the original section's contents (count first).
fn append(wasm: &[u8], range: std::ops::Range<usize>, extra_count: u32, extra: &[u8]) -> Result<Vec<u8>, Skipped> {
    let data = &wasm[range.clone()];
    let mut r = BinaryReader::new(data, range.start);
    let count = r.read_var_u32()?;
    let rest = &data[r.current_position()..];
    let mut out = Vec::with_capacity(data.len() + extra.len() + 5);
    count.checked_add(extra_count).ok_or_else(|| Skipped::new("too many entries"))?.encode(&mut out);
    out.extend_from_slice(rest);
    out.extend_from_slice(extra);
    Ok(out)
}

/// Writes a section: its id, size and contents.
fn section(out: &mut Vec<u8>, id: u8, contents: &[u8]) {
    out.push(id);
    (contents.len() as u32).encode(out);
    out.extend_from_slice(contents);
}

/// Writes the code section: every body validated and rewritten, in
/// contiguous runs of about equal size, the first on this thread (straight
/// into `out`) and each other on a thread of its own.
fn code_section(
    out: &mut Vec<u8>,
    wasm: &[u8],
    funcs: Vec<(FuncToValidate<ValidatorResources>, FunctionBody<'_>)>,
    ctx: &Ctx,
) -> Result<(), Skipped> {
    let count = funcs.len() as u32;
    let total: usize = funcs.iter().map(|(_, b)| b.range().len()).sum();
    let threads = if total < PARALLEL_BYTES {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get()).min(MAX_THREADS)
    };
    let share = total.div_ceil(threads);
    let mut runs: Vec<Vec<_>> = vec![Vec::new()];
    let mut filled = 0;
    for f in funcs {
        let len = f.1.range().len();
        if filled >= share && runs.len() < threads {
            runs.push(Vec::new());
            filled = 0;
        }
        filled += len;
        if let Some(run) = runs.last_mut() {
            run.push(f);
        }
    }
    out.push(10);
    let size_at = reserve_size(out);
    let start = out.len();
    count.encode(out);
    let mut runs = runs.into_iter();
    let first = runs.next().unwrap_or_default();
    std::thread::scope(|s| {
        let started: Vec<_> = runs
            .map(|run| {
                std::thread::Builder::new().name("wasi-run-prepare".into()).spawn_scoped(s, move || {
                    let bytes: usize = run.iter().map(|(_, b)| b.range().len()).sum();
                    let mut out = Vec::with_capacity(bytes + bytes / 8 + run.len() * 32);
                    rewrite_run(&mut out, wasm, run, ctx).map(|()| out)
                })
            })
            .collect();
        let mine = rewrite_run(out, wasm, first, ctx);
        let mut failed = mine.err();
        for h in started {
            let r = match h {
                Ok(h) => h.join().unwrap_or_else(|_| Err(Skipped::new("the rewrite failed"))),
                Err(e) => Err(Skipped::new(format!("a thread could not be started: {e}"))),
            };
            match r {
                Ok(bytes) if failed.is_none() => out.extend_from_slice(&bytes),
                Ok(_) => {}
                Err(e) => failed = failed.or(Some(e)),
            }
        }
        failed.map_or(Ok(()), Err)
    })?;
    patch_size(out, size_at, start)
}

/// Room for a size written later: five bytes, the most a `u32` takes.
fn reserve_size(out: &mut Vec<u8>) -> usize {
    let at = out.len();
    out.extend_from_slice(&[0; 5]);
    at
}

/// Writes the size of what follows `start` at `at` (reserved by
/// [`reserve_size`]), as a five-byte LEB128 (padded, as the format allows).
fn patch_size(out: &mut [u8], at: usize, start: usize) -> Result<(), Skipped> {
    let size = u32::try_from(out.len() - start).map_err(|_| Skipped::new("it would grow past 4 GiB"))?;
    for (i, b) in out[at..at + 5].iter_mut().enumerate() {
        let bits = ((size >> (7 * i)) & 0x7f) as u8;
        *b = if i < 4 { bits | 0x80 } else { bits };
    }
    Ok(())
}

/// A run of bodies, each validated and rewritten, size-prefixed, into `out`.
fn rewrite_run(
    out: &mut Vec<u8>,
    wasm: &[u8],
    run: Vec<(FuncToValidate<ValidatorResources>, FunctionBody<'_>)>,
    ctx: &Ctx,
) -> Result<(), Skipped> {
    let mut allocs = FuncValidatorAllocations::default();
    let mut edits = Vec::new();
    for (f, code) in run {
        let mut v = f.into_validator(allocs);
        let size_at = reserve_size(out);
        let start = out.len();
        let scan = scan(wasm, &mut v, &code, ctx, &mut edits)?;
        emit(wasm, &scan, &edits, ctx, out);
        patch_size(out, size_at, start)?;
        allocs = v.into_allocations();
    }
    Ok(())
}

/// A place in a body the rewrite changes.
#[derive(Clone, Copy, Debug)]
enum Edit {
    /// A `return` (or a `return_call*`) at this offset: pop before it.
    Return(usize),
    /// A position to record before the instruction at this offset (with
    /// positions on).
    Position(usize),
    /// The function's final `end`, at this offset.
    End(usize),
}

/// What scanning a function found.
struct Scan {
    func: u32,
    /// The locals' declarations: how many groups, and their bytes.
    groups: u32,
    decls: std::ops::Range<usize>,
    /// Where the instructions start, and where the body ends.
    code: usize,
    end: usize,
    /// The index `$saved` gets: the number of parameters and locals.
    locals: u32,
    /// It calls nothing: a leaf, whose frame is the innermost one when it is
    /// live at all.
    leaf: bool,
    /// A branch leaves the function through its own label: the body needs
    /// a block for the branch to leave.
    wrap: bool,
    block: BlockType,
}

/// Validates one function, noting in `edits` what the rewrite changes.
fn scan(
    wasm: &[u8],
    v: &mut FuncValidator<ValidatorResources>,
    body: &FunctionBody<'_>,
    ctx: &Ctx,
    edits: &mut Vec<Edit>,
) -> Result<Scan, Skipped> {
    edits.clear();
    let func = v.index();
    let block = func
        .checked_sub(ctx.imported_funcs)
        .and_then(|i| ctx.block_types.get(i as usize))
        .copied()
        .ok_or_else(|| Skipped::new("more bodies than functions"))?;
    let mut reader = body.get_binary_reader();
    let mut decls = reader.clone();
    let groups = decls.read_var_u32()?;
    let decls_start = decls.original_position();
    v.read_locals(&mut reader)?;
    let decls_end = reader.original_position();
    reader.set_features(ctx.features);
    let locals = v.len_locals();
    if locals >= MAX_LOCALS {
        return Err(Skipped::new("a function has as many locals as a function may have"));
    }
    let code = reader.original_position();
    let positions = ctx.record == 8;
    let (mut leaf, mut wrap, mut depth) = (true, false, 0u32);
    while !reader.eof() {
        let at = reader.original_position();
        let mut class = Class::Plain;
        reader.visit_operator(&mut Hook { inner: v.visitor(at), class: &mut class })??;
        match class {
            Class::Plain => {}
            Class::Open => depth += 1,
            Class::End if depth == 0 => edits.push(Edit::End(at)),
            Class::End => depth -= 1,
            Class::Return => edits.push(Edit::Return(at)),
            Class::ReturnCall => {
                leaf = false;
                if positions {
                    edits.push(Edit::Position(at));
                }
                edits.push(Edit::Return(at));
            }
            Class::Branch => {
                if !wrap {
                    wrap = branches_to(&wasm[at..reader.original_position()], at, depth)?;
                }
            }
            Class::Call | Class::Trap => {
                leaf &= class != Class::Call;
                if positions {
                    edits.push(Edit::Position(at));
                }
            }
            Class::Unsupported => return Err(Skipped::new("it uses exception handling")),
        }
    }
    let end = reader.original_position();
    v.finish(end)?;
    Ok(Scan { func, groups, decls: decls_start..decls_end, code, end, locals, leaf, wrap, block })
}

/// Writes the scanned function, rewritten (without its size).
///
/// A function that calls something pushes its index on the shadow stack and
/// pops it at every way out. A leaf (with source lines off) only names
/// itself in `$leaf` while it runs: nothing it calls can be live under it,
/// so it needs no stack record, and a global set costs far less than a
/// store to a second memory.
fn emit(wasm: &[u8], scan: &Scan, edits: &[Edit], ctx: &Ctx, out: &mut Vec<u8>) {
    let leaf = scan.leaf && ctx.record != 8;
    let saved = scan.locals;
    if leaf {
        scan.groups.encode(out);
        out.extend_from_slice(&wasm[scan.decls.clone()]);
        I::I32Const(scan.func as i32).encode(out);
        I::GlobalSet(ctx.leaf).encode(out);
    } else {
        // The locals: the original declarations, then $saved.
        (scan.groups + 1).encode(out);
        out.extend_from_slice(&wasm[scan.decls.clone()]);
        1u32.encode(out);
        EncValType::I32.encode(out);
        let mem = wasm_encoder::MemArg { offset: 0, align: ctx.record.min(4).ilog2(), memory_index: ctx.shadow };
        let store = if ctx.record == 2 { I::I32Store16(mem) } else { I::I32Store(mem) };
        for i in [
            I::GlobalGet(ctx.sp),
            I::LocalTee(saved),
            I::I32Const(ctx.mask()),
            I::I32And,
            I::I32Const(scan.func as i32),
            store,
            I::LocalGet(saved),
            I::I32Const(ctx.record as i32),
            I::I32Add,
            I::GlobalSet(ctx.sp),
        ] {
            i.encode(out);
        }
    }
    if scan.wrap {
        I::Block(scan.block).encode(out);
    }
    let pop = |out: &mut Vec<u8>| {
        if leaf {
            I::I32Const(-1).encode(out);
            I::GlobalSet(ctx.leaf).encode(out);
        } else {
            I::LocalGet(saved).encode(out);
            I::GlobalSet(ctx.sp).encode(out);
        }
    };
    let pos_arg = wasm_encoder::MemArg { offset: 4, align: 2, memory_index: ctx.shadow };
    let mut copied = scan.code;
    for edit in edits {
        match *edit {
            Edit::Return(at) => {
                out.extend_from_slice(&wasm[copied..at]);
                copied = at;
                pop(out);
            }
            Edit::Position(at) => {
                out.extend_from_slice(&wasm[copied..at]);
                copied = at;
                for i in [
                    I::LocalGet(saved),
                    I::I32Const(ctx.mask()),
                    I::I32And,
                    I::I32Const(at as i32),
                    I::I32Store(pos_arg),
                ] {
                    i.encode(out);
                }
            }
            Edit::End(at) => {
                out.extend_from_slice(&wasm[copied..at]);
                copied = at;
                if scan.wrap {
                    I::End.encode(out);
                }
                pop(out);
            }
        }
    }
    out.extend_from_slice(&wasm[copied..scan.end]);
}

/// Whether the branch instruction `code` (at module offset `at`, inside
/// `depth` labels of the function) may branch to the function's own label.
fn branches_to(code: &[u8], at: usize, depth: u32) -> Result<bool, Skipped> {
    let mut r = BinaryReader::new(code, at);
    Ok(match r.read_operator()? {
        wasmparser::Operator::Br { relative_depth } | wasmparser::Operator::BrIf { relative_depth } => {
            relative_depth == depth
        }
        wasmparser::Operator::BrTable { targets } => {
            targets.default() == depth || targets.targets().any(|t| t.is_ok_and(|t| t == depth))
        }
        _ => false,
    })
}

/// What an instruction means to the rewrite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    Plain,
    /// Opens a label (`block`, `loop`, `if`, `try_table`).
    Open,
    End,
    Return,
    ReturnCall,
    /// `br`, `br_if`, `br_table`: to the function's label, a return.
    Branch,
    Call,
    /// May trap: before it, a position is recorded (with positions on).
    Trap,
    /// Legacy exception handling, which the rewrite does not know.
    Unsupported,
}

/// `visit` (a `VisitOperator` method's name) classified; evaluated when
/// compiling, once per instruction kind.
const fn class(visit: &str) -> Class {
    let n = visit.as_bytes();
    if one_of(n, &[b"visit_block", b"visit_loop", b"visit_if", b"visit_try_table"]) {
        Class::Open
    } else if eq(n, b"visit_end") {
        Class::End
    } else if eq(n, b"visit_return") {
        Class::Return
    } else if one_of(n, &[b"visit_return_call", b"visit_return_call_indirect", b"visit_return_call_ref"]) {
        Class::ReturnCall
    } else if one_of(n, &[b"visit_br", b"visit_br_if", b"visit_br_table"]) {
        Class::Branch
    } else if one_of(n, &[b"visit_call", b"visit_call_indirect", b"visit_call_ref"]) {
        Class::Call
    } else if one_of(n, &[b"visit_try", b"visit_catch", b"visit_catch_all", b"visit_delegate", b"visit_rethrow"]) {
        Class::Unsupported
    } else if eq(n, b"visit_unreachable")
        || contains(n, b"load")
        || contains(n, b"store")
        // Integer division and remainder (a float's is `_div` at the end).
        || contains(n, b"_div_")
        || contains(n, b"_rem_")
        // Trapping float-to-int conversions (the saturating ones are `_trunc_sat_`).
        || contains(n, b"_trunc_f")
        || one_of(
            n,
            &[
                b"visit_memory_copy",
                b"visit_memory_fill",
                b"visit_memory_init",
                b"visit_table_get",
                b"visit_table_set",
                b"visit_table_copy",
                b"visit_table_fill",
                b"visit_table_init",
            ],
        )
    {
        Class::Trap
    } else {
        Class::Plain
    }
}

/// Whether `n` is one of `names`.
const fn one_of(n: &[u8], names: &[&[u8]]) -> bool {
    let mut i = 0;
    while i < names.len() {
        if eq(n, names[i]) {
            return true;
        }
        i += 1;
    }
    false
}

const fn eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn contains(hay: &[u8], needle: &[u8]) -> bool {
    let mut i = 0;
    while i + needle.len() <= hay.len() {
        let mut j = 0;
        while j < needle.len() && hay[i + j] == needle[j] {
            j += 1;
        }
        if j == needle.len() {
            return true;
        }
        i += 1;
    }
    false
}

/// An error for a SIMD instruction without a SIMD validator (wasmparser
/// makes its errors itself: this is the one an empty reader gives).
fn no_simd() -> BinaryReaderError {
    match BinaryReader::new(&[], 0).read_u8() {
        Err(e) => e,
        Ok(_) => no_simd(),
    }
}

/// The validator's visitor, noting what the instruction it sees means to
/// the rewrite.
struct Hook<'c, V> {
    inner: V,
    class: &'c mut Class,
}

macro_rules! delegate {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
        $(
            fn $visit(&mut self $($(,$arg: $argty)*)?) -> Self::Output {
                const CLASS: Class = class(stringify!($visit));
                if !matches!(CLASS, Class::Plain) {
                    *self.class = CLASS;
                }
                self.inner.$visit($($($arg),*)?)
            }
        )*
    };
}

macro_rules! delegate_simd {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
        $(
            fn $visit(&mut self $($(,$arg: $argty)*)?) -> Self::Output {
                const CLASS: Class = class(stringify!($visit));
                if !matches!(CLASS, Class::Plain) {
                    *self.class = CLASS;
                }
                match self.inner.simd_visitor() {
                    Some(v) => v.$visit($($($arg),*)?),
                    // Not reached: this visitor offers SIMD only when the
                    // validator's does.
                    None => Err(no_simd()),
                }
            }
        )*
    };
}

impl<'a, V: VisitOperator<'a, Output = wasmparser::Result<()>>> VisitOperator<'a> for Hook<'_, V> {
    type Output = wasmparser::Result<()>;

    fn simd_visitor(&mut self) -> Option<&mut dyn VisitSimdOperator<'a, Output = Self::Output>> {
        if self.inner.simd_visitor().is_some() { Some(self) } else { None }
    }

    wasmparser::for_each_visit_operator!(delegate);
}

impl<'a, V: VisitOperator<'a, Output = wasmparser::Result<()>>> VisitSimdOperator<'a> for Hook<'_, V> {
    wasmparser::for_each_visit_simd_operator!(delegate_simd);
}

#[cfg(test)]
mod tests {
    use super::{Class, class};

    #[test]
    fn classifies_instructions() {
        assert_eq!(class("visit_return"), Class::Return);
        assert_eq!(class("visit_return_call_indirect"), Class::ReturnCall);
        assert_eq!(class("visit_i32_load8_u"), Class::Trap);
        assert_eq!(class("visit_v128_store64_lane"), Class::Trap);
        assert_eq!(class("visit_i64_rem_s"), Class::Trap);
        assert_eq!(class("visit_i32_trunc_f64_u"), Class::Trap);
        assert_eq!(class("visit_i32_trunc_sat_f64_u"), Class::Plain);
        assert_eq!(class("visit_f32_div"), Class::Plain);
        assert_eq!(class("visit_f32_trunc"), Class::Plain);
        assert_eq!(class("visit_if"), Class::Open);
        assert_eq!(class("visit_i32_add"), Class::Plain);
    }
}
