//! TEMPORARY stub with the interface of the HCL1 parser being written in wip/hcl1.
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
    pub offset: usize,
}
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    List(Vec<Node>),
    Object(Body),
    Null,
}
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub pos: Pos,
}
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub name: String,
    pub quoted: bool,
    pub pos: Pos,
}
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub keys: Vec<Key>,
    pub assign: bool,
    pub value: Node,
    pub pos: Pos,
}
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    pub items: Vec<Item>,
    pub pos: Pos,
}
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{line}:{column}: {message}")]
pub struct ParseError {
    pub line: u32,
    pub column: u32,
    pub message: String,
}
pub fn parse_bytes(_src: &[u8]) -> Result<Body, ParseError> {
    Err(ParseError {
        line: 1,
        column: 1,
        message: "stub".into(),
    })
}
