//! The crate's module graph has no cycle: no module of faxd imports another that imports it
//! back. Read from the sources: every `crate::a::b` path (and `use crate::{a, b}` group) and
//! every `super::sibling` path outside test code is an edge. Checked at two levels: between the
//! top-level modules (a submodule's imports count for its top-level module), and between the
//! sibling submodules of each module. A submodule naming its own ancestors (`super::Item`) is
//! containment, not an edge. Run alone: `cargo test -p ferrofax-server --test module_graph`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module's path from the crate root (`["lines", "sip"]`) and its source, test code removed.
fn modules(src: &Path) -> Vec<(Vec<String>, String)> {
    let mut out = Vec::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel: PathBuf = path.strip_prefix(src).unwrap().with_extension("");
            let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
            if matches!(parts.as_slice(), [one] if one == "lib" || one == "main") {
                continue;
            }
            if parts.last().is_some_and(|l| l == "mod") {
                parts.pop();
            }
            if parts.last().is_some_and(|l| l == "tests") {
                continue;
            }
            out.push((parts, without_tests(&std::fs::read_to_string(&path).unwrap())));
        }
    }
    out
}

/// The source without comments and without what follows `#[cfg(test)]`.
fn without_tests(text: &str) -> String {
    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
    code.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// The module paths named after `crate::` (or `super::`) in `code`, expanded through
/// `{a, b::c}` groups.
fn named_after(code: &str, prefix: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find(prefix) {
        let before_ok = i == 0 || !rest[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':');
        rest = &rest[i + prefix.len()..];
        if before_ok {
            paths_of(rest, Vec::new(), &mut out);
        }
    }
    out
}

/// Reads `a::b::{c, d::e}` at the start of `text` into paths.
fn paths_of(text: &str, base: Vec<String>, out: &mut Vec<Vec<String>>) {
    let mut path = base;
    let mut t = text;
    loop {
        if let Some(inner) = t.strip_prefix('{') {
            let mut depth = 1;
            let end = inner
                .char_indices()
                .find(|(_, c)| {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map(|(i, _)| i)
                .unwrap_or(inner.len());
            let group = &inner[..end];
            let mut depth = 0;
            let mut start = 0;
            for (i, c) in group.char_indices().chain([(group.len(), ',')]) {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        paths_of(group[start..i].trim(), path.clone(), out);
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            return;
        }
        let ident: String = t.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        if ident.is_empty() {
            break;
        }
        path.push(ident.clone());
        t = &t[ident.len()..];
        match t.strip_prefix("::") {
            Some(next) => t = next,
            None => break,
        }
    }
    if !path.is_empty() {
        out.push(path);
    }
}

/// The longest known module that `path` lies in.
fn resolve(path: &[String], known: &BTreeSet<Vec<String>>) -> Option<Vec<String>> {
    (1..=path.len()).rev().map(|n| path[..n].to_vec()).find(|p| known.contains(p))
}

/// A cycle of the graph, if it has one.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_string(), 1);
        stack.push(n.to_string());
        for m in graph.get(n).into_iter().flatten() {
            match state.get(m.as_str()).copied().unwrap_or(0) {
                1 => {
                    let from = stack.iter().position(|s| s == m).unwrap();
                    let mut c = stack[from..].to_vec();
                    c.push(m.clone());
                    return Some(c);
                }
                0 => {
                    if let Some(c) = visit(m, graph, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in graph.keys() {
        if state.get(n.as_str()).copied().unwrap_or(0) == 0
            && let Some(c) = visit(n, graph, &mut state, &mut Vec::new())
        {
            return Some(c);
        }
    }
    None
}

/// A module's path from the crate root.
type ModulePath = Vec<String>;

/// Every module, and every edge between modules: (from, to).
fn edges(src: &Path) -> (BTreeSet<ModulePath>, BTreeSet<(ModulePath, ModulePath)>) {
    let mods = modules(src);
    let known: BTreeSet<Vec<String>> = mods.iter().map(|(p, _)| p.clone()).collect();
    let mut edges = BTreeSet::new();
    for (from, code) in &mods {
        let mut named = named_after(code, "crate::");
        if from.len() > 1 {
            let parent = &from[..from.len() - 1];
            named.extend(named_after(code, "super::").into_iter().map(|p| [parent, &p].concat()));
        }
        for path in named {
            let Some(to) = resolve(&path, &known) else { continue };
            // Naming an ancestor (or itself) is containment.
            if from.starts_with(&to) {
                continue;
            }
            edges.insert((from.clone(), to));
        }
    }
    (known, edges)
}

#[test]
fn faxd_has_no_module_import_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let (known, edges) = edges(&src);
    assert!(known.len() > 20, "the sources were read");
    // Between top-level modules.
    let mut top: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, to) in &edges {
        if from[0] != to[0] {
            top.entry(from[0].clone()).or_default().insert(to[0].clone());
        }
    }
    assert!(top.values().map(|s| s.len()).sum::<usize>() > 10, "edges were found: {top:?}");
    if let Some(c) = cycle(&top) {
        panic!("top-level modules import each other in a circle: {}", c.join(" → "));
    }
    // Between siblings inside each module.
    let mut inner: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, to) in &edges {
        let common = from.iter().zip(to).take_while(|(a, b)| a == b).count();
        if common == 0 || common >= from.len() || common >= to.len() {
            continue;
        }
        let (a, b) = (from[..=common].join("::"), to[..=common].join("::"));
        inner.entry(a).or_default().insert(b);
    }
    if let Some(c) = cycle(&inner) {
        panic!("submodules import each other in a circle: {}", c.join(" → "));
    }
}

#[test]
fn the_reader_sees_groups_and_cycles() {
    let mut out = Vec::new();
    paths_of("{a::{b, c}, d}; x", Vec::new(), &mut out);
    assert_eq!(out, [vec!["a", "b"], vec!["a", "c"], vec!["d"]]);
    assert_eq!(named_after("use crate::x::y; mycrate::z; crate::w", "crate::"), [vec!["x", "y"], vec!["w"]]);
    let g: BTreeMap<String, BTreeSet<String>> = [("a", "b"), ("b", "c"), ("c", "a")]
        .into_iter()
        .map(|(x, y)| (x.to_string(), BTreeSet::from([y.to_string()])))
        .collect();
    assert_eq!(cycle(&g).map(|c| c.len()), Some(4));
}
