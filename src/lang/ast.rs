//! The syntax tree the parser produces and the evaluator walks. Every node keeps its byte span in the source so
//! that runtime errors can put a caret under the expression that failed.

use std::rc::Rc;

/// Byte offsets `start..end` in the source text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    /// The span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    None,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(Rc<str>),
    /// An f-string: literal text and `{expr!conv:spec}` fields.
    FString(Vec<FPart>),
    Bytes(Rc<[u8]>),
    Name(Rc<str>),
    /// A bare word of the command form (`ls IP`, `iface=eth0`): the named value if the name is bound, else the
    /// word as a string.
    Word(Rc<str>),
    List(Vec<Expr>),
    Tuple(Vec<Expr>),
    Dict(Vec<(Expr, Expr)>),
    /// `{a, b}`: a set literal (`{}` is an empty dict).
    Set(Vec<Expr>),
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// A chain of comparisons, `a < b <= c`, evaluated pairwise as in Python.
    Compare(Box<Expr>, Vec<(CmpOp, Expr)>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    /// `body if cond else orelse`.
    IfElse {
        cond: Box<Expr>,
        body: Box<Expr>,
        orelse: Box<Expr>,
    },
    Lambda(Rc<Lambda>),
    Call(Box<Expr>, Vec<Arg>),
    Attr(Box<Expr>, Rc<str>),
    Index(Box<Expr>, Box<Expr>),
    Slice(Box<Expr>, [Option<Box<Expr>>; 3]),
    /// `[elt for … in … if …]`; a generator expression evaluates to the same list.
    ListComp(Box<Expr>, Vec<Comp>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum FPart {
    Lit(Rc<str>),
    /// The expression, its conversion (`r` or `s`) and its format spec (`04x`, `>10`, `.2f`).
    Field(Expr, Option<char>, Rc<str>),
}

/// A function: a `lambda`'s expression or a `def`'s block.
#[derive(Clone, Debug, PartialEq)]
pub struct Lambda {
    /// The name a `def` gives it; `None` for a `lambda`.
    pub name: Option<Rc<str>>,
    /// Parameter names with their default expressions.
    pub params: Vec<(Rc<str>, Option<Expr>)>,
    pub body: Body,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    /// A `lambda`'s value.
    Expr(Expr),
    /// A `def`'s statements; `return` gives the value (`None` without one).
    Block(Vec<Stmt>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    Pos(Expr),
    /// `name=value`, with the span of the name for errors about it.
    Kw(Rc<str>, Span, Expr),
}

/// One clause of a comprehension.
#[derive(Clone, Debug, PartialEq)]
pub enum Comp {
    For(Expr, Expr),
    If(Expr),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    Neg,
    Pos,
    Invert,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    /// True division for numbers; stacking for packets, layers, bytes and strings (Scapy's `/`).
    Div,
    FloorDiv,
    Mod,
    Pow,
    Shl,
    Shr,
    BitAnd,
    BitOr,
    BitXor,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
    Is,
    IsNot,
}

/// `except class as name: body`; no class catches every error.
#[derive(Clone, Debug, PartialEq)]
pub struct Handler {
    pub class: Option<Expr>,
    pub name: Option<Rc<str>>,
    pub body: Vec<Stmt>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    Expr(Expr),
    /// A builtin called in the command form (`rdpcap file.pcap`), always a call. Its result is shown, never
    /// kept, so a builtin may run a variant that streams its output instead of building a value.
    Command(Expr),
    /// `a = b = value`: every target gets the value.
    Assign(Vec<Expr>, Expr),
    AugAssign(Expr, BinOp, Expr),
    Del(Vec<Expr>),
    For {
        target: Expr,
        iter: Expr,
        body: Vec<Stmt>,
    },
    If {
        branches: Vec<(Expr, Vec<Stmt>)>,
        orelse: Vec<Stmt>,
    },
    While {
        cond: Expr,
        body: Vec<Stmt>,
    },
    /// `def name(params): body`: binds `name` to the function.
    Def(Rc<Lambda>),
    Return(Option<Expr>),
    /// `assert test, message`.
    Assert(Expr, Option<Expr>),
    /// `try:` with its `except` clauses, `else:` and `finally:`.
    Try {
        body: Vec<Stmt>,
        handlers: Vec<Handler>,
        orelse: Vec<Stmt>,
        finally: Vec<Stmt>,
    },
    /// `raise error`; a bare `raise` raises again the error being handled.
    Raise(Option<Expr>),
    Pass,
    Break,
    Continue,
}
