//! Core dumps in the tool-conventions format (`Coredump.md`): a wasm module
//! holding the process (`core`), the module (`coremodules`), the instance
//! (`coreinstances`), the stack (`corestack`: the frames the shadow stack
//! holds, innermost first), and the instance's memories (as active data
//! segments over the pages that are not all zeros) and globals (as
//! constants), as they were at the trap. No frame's locals or operand
//! stack: the interpreter keeps none a host can read, so each is empty.

use super::instrument::{GLOBAL_PREFIX, Layout, MEMORY_PREFIX};
use wasm_encoder::{
    ConstExpr, CoreDumpInstancesSection, CoreDumpModulesSection, CoreDumpSection, CoreDumpStackSection, DataSection,
    GlobalSection, GlobalType, MemorySection, MemoryType, Module, ValType,
};
use wasmi::{AsContext, Instance, Val};

/// Bytes per data segment: a page of memory.
const CHUNK: usize = 1 << 16;

/// Writes the core dump of `instance`.
pub(super) fn write(
    store: impl AsContext,
    instance: &Instance,
    layout: &Layout,
    module_name: &str,
    original: &[u8],
    raw: &[(u32, Option<u32>)],
) -> Vec<u8> {
    let store = store.as_context();
    let starts = function_starts(original);
    let mut memories = MemorySection::new();
    let mut data = DataSection::new();
    for m in 0..layout.memories {
        let Some(memory) = instance.get_memory(store, &format!("{MEMORY_PREFIX}{m}")) else { continue };
        let bytes = memory.data(store);
        let ty = memory.ty(store);
        memories.memory(MemoryType {
            minimum: (bytes.len() / CHUNK) as u64,
            maximum: None,
            memory64: ty.is_64(),
            shared: false,
            page_size_log2: None,
        });
        for (i, chunk) in bytes.chunks(CHUNK).enumerate() {
            if chunk.iter().any(|&b| b != 0) {
                let at = (i * CHUNK) as u64;
                let offset = if ty.is_64() { ConstExpr::i64_const(at as i64) } else { ConstExpr::i32_const(at as i32) };
                data.active(m, &offset, chunk.iter().copied());
            }
        }
    }
    let mut globals = GlobalSection::new();
    for g in 0..layout.globals {
        let Some(global) = instance.get_global(store, &format!("{GLOBAL_PREFIX}{g}")) else { continue };
        let (val_type, init) = match global.get(store) {
            Val::I32(x) => (ValType::I32, ConstExpr::i32_const(x)),
            Val::I64(x) => (ValType::I64, ConstExpr::i64_const(x)),
            Val::F32(x) => (ValType::F32, ConstExpr::f32_const(f32::from(x))),
            Val::F64(x) => (ValType::F64, ConstExpr::f64_const(f64::from(x))),
            Val::V128(x) => (ValType::V128, ConstExpr::v128_const(x.as_u128() as i128)),
            Val::FuncRef(_) => (ValType::FUNCREF, ConstExpr::ref_null(wasm_encoder::HeapType::FUNC)),
            Val::ExternRef(_) => (ValType::EXTERNREF, ConstExpr::ref_null(wasm_encoder::HeapType::EXTERN)),
        };
        globals.global(GlobalType { val_type, mutable: false, shared: false }, &init);
    }
    let mut stack = CoreDumpStackSection::new("main");
    for &(func, pos) in raw {
        // The offset from the function's start, where the position is
        // known (0, the function's start, otherwise).
        let start = starts.get(&func).copied().unwrap_or(0);
        let offset = pos.map_or(0, |p| u64::from(p).saturating_sub(start) as u32);
        stack.frame(0, func, offset, [], []);
    }
    let mut modules = CoreDumpModulesSection::new();
    modules.module(module_name);
    let mut instances = CoreDumpInstancesSection::new();
    instances.instance(0, 0..layout.memories, 0..layout.globals);

    let mut out = Module::new();
    out.section(&CoreDumpSection::new(module_name));
    out.section(&modules);
    out.section(&instances);
    out.section(&stack);
    out.section(&memories);
    out.section(&globals);
    out.section(&data);
    out.finish()
}

/// Each defined function's start (module offset of its body), by index.
fn function_starts(wasm: &[u8]) -> std::collections::HashMap<u32, u64> {
    let mut starts = std::collections::HashMap::new();
    let mut imported = 0u32;
    let mut next = None;
    for payload in wasmparser::Parser::new(0).parse_all(wasm).flatten() {
        match payload {
            wasmparser::Payload::ImportSection(r) => {
                imported +=
                    r.into_iter().flatten().filter(|i| matches!(i.ty, wasmparser::TypeRef::Func(_))).count() as u32;
            }
            wasmparser::Payload::CodeSectionStart { .. } => next = Some(imported),
            wasmparser::Payload::CodeSectionEntry(body) => {
                if let Some(i) = &mut next {
                    starts.insert(*i, body.range().start as u64);
                    *i += 1;
                }
            }
            _ => {}
        }
    }
    starts
}
