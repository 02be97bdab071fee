//! Python's sets through the language: literals, `set()`, membership, the methods and operators, and the
//! errors Python gives (issue #11 item 5). Expected text is CPython's.

mod common;

use common::Sink;
use wirecraft::lang::{ErrorKind, LangError, Session};

fn val(src: &str) -> String {
    let mut s = Session::with_output(Sink::default());
    match s.run(src, "<t>") {
        Ok(v) => v.map(|v| s.repr(&v)).unwrap_or_else(|| "None".into()),
        Err(e) => panic!("{e}"),
    }
}

fn fails(src: &str) -> LangError {
    let mut s = Session::with_output(Sink::default());
    s.run(src, "<t>").expect_err("should fail")
}

#[test]
fn literals_and_set_print_as_python() {
    assert_eq!(val("{1, 2}"), "{1, 2}");
    assert_eq!(val("{1, 2, 2, 1,}"), "{1, 2}");
    assert_eq!(val("set()"), "set()");
    assert_eq!(val("{}"), "{}", "{{}} stays an empty dict");
    assert_eq!(val("len({}), type({1}) == set"), "(0, True)");
    assert_eq!(val("{'a'}, {(1, 2)}, {b'x'}"), "({'a'}, {(1, 2)}, {b'x'})");
    assert_eq!(
        val("set([1, 2, 2]), set(range(3)), set('aa')"),
        "({1, 2}, {0, 1, 2}, {'a'})"
    );
    assert_eq!(val("{1, True, 1.0}"), "{1}", "equal values are one element");
    assert_eq!(val("str({1, 2}), isinstance({1}, set)"), "('{1, 2}', True)");
}

#[test]
fn membership_length_and_iteration() {
    assert_eq!(
        val("s = {1, 2}; 1 in s, 3 in s, 3 not in s, len(s)"),
        "(True, False, True, 2)"
    );
    assert_eq!(val("sorted(x * 10 for x in {3, 1, 2})"), "[10, 20, 30]");
    assert_eq!(val("bool(set()), bool({0})"), "(False, True)");
    assert_eq!(
        val("{1, 2} == {2, 1}, {1} == {2}, {1} != {1, 2}, {1} == [1]"),
        "(True, False, True, False)"
    );
}

#[test]
fn methods_change_the_set_in_place() {
    assert_eq!(
        val("s = {1, 2}; s.add(3); s.add(1); s.discard(2); s.discard(9); s"),
        "{1, 3}"
    );
    assert_eq!(
        val("s = {1}; t = s; t.add(2); s"),
        "{1, 2}",
        "a set is shared, as in Python"
    );
    assert_eq!(val("s = {1}; c = s.copy(); c.add(2); s, c"), "({1}, {1, 2})");
    assert_eq!(val("s = {(1, 'a')}; s.remove((1, 'a')); s"), "set()");
    assert_eq!(val("s = {1, 2}; s.update([3], (4, 1)); s"), "{1, 2, 3, 4}");
    assert_eq!(val("s = {7}; s.pop(), s"), "(7, set())");
    assert_eq!(val("s = {1, 2}; s.clear(); s"), "set()");
    let e = fails("{1}.remove(5)");
    assert_eq!((e.kind, e.message.as_str()), (ErrorKind::Key, "5"));
    let e = fails("set().pop()");
    assert_eq!(
        (e.kind, e.message.as_str()),
        (ErrorKind::Key, "'pop from an empty set'")
    );
}

#[test]
fn union_intersection_and_difference() {
    assert_eq!(
        val("{1, 2} | {2, 3}, {1, 2}.union([3], (4,))"),
        "({1, 2, 3}, {1, 2, 3, 4})"
    );
    assert_eq!(
        val("{1, 2} & {2, 3}, {1, 2, 3}.intersection([2, 3, 4], {3})"),
        "({2}, {3})"
    );
    assert_eq!(val("{1, 2} - {2, 3}, {1, 2, 3}.difference([1])"), "({1}, {2, 3})");
    assert_eq!(
        val("{1, 2} ^ {2, 3}, {1}.issubset([1, 2]), {3}.issubset({1})"),
        "({1, 3}, True, False)"
    );
    assert_eq!(val("s = {1}; s |= {2}; s"), "{1, 2}");
    assert_eq!(
        val("{1, 2}.symmetric_difference([2, 3]), {1, 2}.issuperset([2]), {1}.isdisjoint([2]), {1}.isdisjoint({1})"),
        "({1, 3}, True, True, False)"
    );
    assert_eq!(
        fails("{1} | [2]").message,
        "unsupported operand types for |: 'set' and 'list'"
    );
}

#[test]
fn only_hashable_values_are_elements() {
    for src in ["{[1]}", "set([[1]])", "{1}.add([1])", "{(1, [2])}", "{1}.discard([])"] {
        let e = fails(src);
        assert_eq!(
            (e.kind, e.message.as_str()),
            (ErrorKind::Type, "unhashable type: 'list'"),
            "{src}"
        );
    }
    assert_eq!(fails("{{1}}").message, "unhashable type: 'set'");
    assert_eq!(fails("{{1: 2}}").message, "unhashable type: 'dict'");
    assert_eq!(fails("{IP()}").message, "unhashable type: 'IP'");
}
