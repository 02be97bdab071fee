//! The methods `str` and `bytes` share, checked against what Python 3 gives for the same expressions.

use wirecraft::lang::{ErrorKind, Session};

/// The repr of the last expression's value, or the error's kind and message.
fn run(src: &str) -> Result<String, (ErrorKind, String)> {
    let mut s = Session::new();
    match s.run(src, "<t>") {
        Ok(v) => Ok(v.map(|v| s.repr(&v)).unwrap_or_else(|| "None".into())),
        Err(e) => Err((e.kind, e.message)),
    }
}

fn val(src: &str) -> String {
    run(src).unwrap_or_else(|e| panic!("{src}: {e:?}"))
}

#[test]
fn bytes_have_the_methods_of_text() {
    assert_eq!(
        val("b'a b  c '.split(), b'a,b,,c'.split(b',', 2)"),
        "([b'a', b'b', b'c'], [b'a', b'b', b',c'])"
    );
    assert_eq!(
        val("b' \\x0ba\\t'.strip(), b'xxaxx'.strip(b'x'), b'  a '.lstrip(), b'  a '.rstrip()"),
        "(b'a', b'a', b'a ', b'  a')"
    );
    assert_eq!(
        val("b'aaa'.replace(b'a', b'b', 2), b'ab'.replace(b'', b'-')"),
        "(b'bba', b'-a-b-')"
    );
    assert_eq!(
        val("b'abc'.find(b'c'), b'abc'.find(b'x'), b'a\\x00b\\x00'.count(b'\\x00')"),
        "(2, -1, 2)"
    );
    assert_eq!(
        val("b'-'.join([b'a', b'b']), b'aB\\xff'.upper(), b'aB'.lower()"),
        "(b'a-b', b'AB\\xff', b'ab')"
    );
    assert_eq!(
        val("b'abc'.startswith(b'ab'), b'abc'.endswith((b'x', b'bc')), b'abc'.startswith(())"),
        "(True, True, False)"
    );
}

#[test]
fn text_gains_the_same_methods() {
    assert_eq!(
        val("'  a b  c  '.split(None, 1), 'a,b'.split(',', -1)"),
        "(['a', 'b  c  '], ['a', 'b'])"
    );
    assert_eq!(val("'éa'.find('a'), 'abc'.count(''), 'abc'.find('')"), "(1, 4, 0)");
    assert_eq!(
        val("'--a--'.strip('-'), '  a'.lstrip(), 'ab'.startswith(('x', 'a'))"),
        "('a', 'a', True)"
    );
    assert_eq!(val("'ß'.upper(), 'ΑΣ'.lower()"), "('SS', 'ας')");
}

#[test]
fn mixing_text_and_bytes_is_a_type_error() {
    let err = |src: &str| run(src).expect_err(src);
    assert_eq!(
        err("b'a'.startswith('a')"),
        (
            ErrorKind::Type,
            "startswith first arg must be bytes or a tuple of bytes, not str".into()
        )
    );
    assert_eq!(
        err("'a'.endswith((b'a',))"),
        (
            ErrorKind::Type,
            "endswith first arg must be str or a tuple of str, not bytes".into()
        )
    );
    assert_eq!(
        err("b'a'.split('a')"),
        (ErrorKind::Type, "a bytes-like object is required, not 'str'".into())
    );
    assert_eq!(
        err("b''.join([b'a', 'b'])"),
        (ErrorKind::Type, "a bytes-like object is required, not 'str'".into())
    );
    assert_eq!(err("'a'.replace(b'a', 'b')").0, ErrorKind::Type);
    assert_eq!(err("'a'.split('')"), (ErrorKind::Value, "empty separator".into()));
}
