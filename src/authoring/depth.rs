//! How deeply a policy's conditions nest, measured before Cedar sees them.
//!
//! Cedar's validator, evaluator and JSON conversion recurse once per level of an expression. In wasm the
//! stack is small (V8's for the frames, 1 MiB of linear memory for the module's own), and a condition a few
//! hundred levels deep (a long chain of `||`, each link one level) runs it out: a trap, not an error. So a
//! store is refused at build and at load, with the policy located and the depth named, when any condition
//! nests deeper than [`MAX_DEPTH`], far below where the stack runs out (about 400 levels, measured in Node
//! on the full module) and far above what hand-written policies reach.
//!
//! The measure follows Cedar's grammar (`||` < `&&` < relations < `+ -` < `*` < unary < member access):
//! each binary operator, unary operator, member access and enclosing literal adds a level over its deepest
//! operand, as Cedar's syntax tree does. Text this reader does not follow is left to Cedar's parser, which
//! reports it; only a measured depth over the limit is an error.

/// The deepest a condition may nest.
pub const MAX_DEPTH: usize = 200;

/// The deepest a condition may nest in a compiled bundle (the Lambda and Lambda@Edge packages). Loading
/// one rebuilds each condition from Cedar's JSON form, and once V8 has optimized that conversion its frames
/// are large: measured in Node, a second load runs out of stack at about 100 levels on the edge module and
/// 110 on the runtime one (the first load, before V8 optimizes it, gets through 200). 64 leaves room for
/// whatever calls the loader.
pub const COMPILED_MAX_DEPTH: usize = 64;

/// How many brackets, parentheses and `if`s may enclose one another: far more than anyone writes, and it
/// bounds this reader's own recursion well inside the stack.
const MAX_NEST: usize = 64;

/// The depth of the deepest `when` or `unless` condition of one policy's text, or `Err(depth)` once it
/// passes [`MAX_DEPTH`]. `Ok(0)` for text it cannot follow.
pub fn condition_depth(policy: &str) -> Result<usize, usize> {
    let tokens = match tokenize(policy) {
        Some(tokens) => tokens,
        None => return Ok(0),
    };
    let mut deepest = 0;
    let mut i = 0;
    while i < tokens.len() {
        if matches!(&tokens[i], Tok::Ident(w) if w == "when" || w == "unless")
            && tokens.get(i + 1) == Some(&Tok::Punct("{"))
        {
            let mut reader = Reader { tokens: &tokens, at: i + 2 };
            match reader.expr(0) {
                Ok(depth) => deepest = deepest.max(depth),
                Err(Stop::TooDeep(depth)) => return Err(depth),
                Err(Stop::Unreadable) => return Ok(0),
            }
            i = reader.at;
        } else {
            i += 1;
        }
    }
    Ok(deepest)
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Literal,
    Punct(&'static str),
}

const PUNCTS: [&str; 25] = [
    "::", "||", "&&", "==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "!", ".", "(", ")", "[", "]", "{", "}", ",",
    ":", ";", "?", "@",
];

fn tokenize(text: &str) -> Option<Vec<Tok>> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if text[i..].starts_with("//") {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else if c == b'"' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            tokens.push(Tok::Literal);
        } else if c.is_ascii_digit() {
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            tokens.push(Tok::Literal);
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            tokens.push(Tok::Ident(text[start..i].to_string()));
        } else {
            let punct = PUNCTS.iter().find(|p| text[i..].starts_with(**p))?;
            i += punct.len();
            tokens.push(Tok::Punct(punct));
        }
    }
    Some(tokens)
}

enum Stop {
    TooDeep(usize),
    Unreadable,
}

struct Reader<'t> {
    tokens: &'t [Tok],
    at: usize,
}

type Depth = Result<usize, Stop>;

impl Reader<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.at)
    }

    fn punct(&self, p: &str) -> bool {
        matches!(self.peek(), Some(Tok::Punct(q)) if *q == p)
    }

    fn word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(x)) if x == w)
    }

    fn expect(&mut self, p: &str) -> Result<(), Stop> {
        if self.punct(p) {
            self.at += 1;
            Ok(())
        } else {
            Err(Stop::Unreadable)
        }
    }

    /// A level over `depth`, refused past the limit. (`nest`, elsewhere, is how many brackets enclose the
    /// reader, bounded by [`MAX_NEST`].)
    fn over(depth: usize) -> Depth {
        if depth > MAX_DEPTH {
            Err(Stop::TooDeep(depth))
        } else {
            Ok(depth)
        }
    }

    fn expr(&mut self, nest: usize) -> Depth {
        if nest > MAX_NEST {
            return Err(Stop::TooDeep(MAX_DEPTH + 1));
        }
        if self.word("if") {
            self.at += 1;
            let c = self.expr(nest + 1)?;
            if !self.word("then") {
                return Err(Stop::Unreadable);
            }
            self.at += 1;
            let t = self.expr(nest + 1)?;
            if !self.word("else") {
                return Err(Stop::Unreadable);
            }
            self.at += 1;
            let e = self.expr(nest + 1)?;
            return Self::over(c.max(t).max(e) + 1);
        }
        self.chain(nest, 0)
    }

    /// A left-associative chain at precedence `level` (0 `||`, 1 `&&`, 2 relations, 3 `+ -`, 4 `*`): each
    /// operator one level over the deeper of the chain so far and its right operand.
    fn chain(&mut self, nest: usize, level: usize) -> Depth {
        if level == 5 {
            return self.unary(nest);
        }
        let mut depth = self.chain(nest, level + 1)?;
        loop {
            let op = match (level, self.peek()) {
                (0, Some(Tok::Punct("||"))) | (1, Some(Tok::Punct("&&"))) => true,
                (2, Some(Tok::Punct("==" | "!=" | "<" | "<=" | ">" | ">="))) => true,
                (2, Some(Tok::Ident(w))) if w == "in" => true,
                (3, Some(Tok::Punct("+" | "-"))) | (4, Some(Tok::Punct("*"))) => true,
                _ => false,
            };
            if op {
                self.at += 1;
                let right = self.chain(nest, level + 1)?;
                depth = Self::over(depth.max(right) + 1)?;
                continue;
            }
            if level == 2 && (self.word("has") || self.word("like")) {
                // `has a.b.c` or `has "a"`, `like "pattern"`: a path of names or one literal.
                self.at += 1;
                let mut parts = 0;
                while matches!(self.peek(), Some(Tok::Ident(_) | Tok::Literal)) {
                    self.at += 1;
                    parts += 1;
                    if !self.punct(".") {
                        break;
                    }
                    self.at += 1;
                }
                depth = Self::over(depth + parts.max(1))?;
                continue;
            }
            if level == 2 && self.word("is") {
                self.at += 1;
                self.path()?;
                depth = Self::over(depth + 1)?;
                if self.word("in") {
                    self.at += 1;
                    let right = self.chain(nest, 3)?;
                    depth = Self::over(depth.max(right) + 1)?;
                }
                continue;
            }
            return Ok(depth);
        }
    }

    fn unary(&mut self, nest: usize) -> Depth {
        let mut ops = 0;
        while self.punct("!") || self.punct("-") {
            self.at += 1;
            ops += 1;
        }
        let depth = self.member(nest)?;
        Self::over(depth + ops)
    }

    fn member(&mut self, nest: usize) -> Depth {
        let mut depth = self.primary(nest)?;
        loop {
            if self.punct(".") {
                self.at += 1;
                if !matches!(self.peek(), Some(Tok::Ident(_))) {
                    return Err(Stop::Unreadable);
                }
                self.at += 1;
                if self.punct("(") {
                    let args = self.list(nest, ")")?;
                    depth = depth.max(args);
                }
            } else if self.punct("[") {
                self.at += 1;
                if !matches!(self.peek(), Some(Tok::Literal)) {
                    return Err(Stop::Unreadable);
                }
                self.at += 1;
                self.expect("]")?;
            } else {
                return Ok(depth);
            }
            depth = Self::over(depth + 1)?;
        }
    }

    fn primary(&mut self, nest: usize) -> Depth {
        match self.peek().cloned() {
            Some(Tok::Literal) => {
                self.at += 1;
                Ok(1)
            }
            Some(Tok::Punct("?")) => {
                self.at += 2;
                Ok(1)
            }
            Some(Tok::Punct("(")) => {
                self.at += 1;
                let depth = self.expr(nest + 1)?;
                self.expect(")")?;
                Ok(depth)
            }
            Some(Tok::Punct("[")) => Self::over(self.list(nest, "]")? + 1),
            Some(Tok::Punct("{")) => {
                self.at += 1;
                let mut depth = 0;
                while !self.punct("}") {
                    if !matches!(self.peek(), Some(Tok::Ident(_) | Tok::Literal)) {
                        return Err(Stop::Unreadable);
                    }
                    self.at += 1;
                    self.expect(":")?;
                    depth = depth.max(self.expr(nest + 1)?);
                    if self.punct(",") {
                        self.at += 1;
                    }
                }
                self.at += 1;
                Self::over(depth + 1)
            }
            Some(Tok::Ident(_)) => {
                // A variable, `true`/`false`, an entity `A::B::"id"`, or an extension function `ip("...")`.
                self.path()?;
                if self.punct("::") {
                    self.at += 1;
                    if !matches!(self.peek(), Some(Tok::Literal)) {
                        return Err(Stop::Unreadable);
                    }
                    self.at += 1;
                } else if self.punct("(") {
                    let args = self.list(nest, ")")?;
                    return Self::over(args + 1);
                }
                Ok(1)
            }
            _ => Err(Stop::Unreadable),
        }
    }

    /// `A::B::C`, stopping before a `::` followed by a string (an entity id).
    fn path(&mut self) -> Result<(), Stop> {
        if !matches!(self.peek(), Some(Tok::Ident(_))) {
            return Err(Stop::Unreadable);
        }
        self.at += 1;
        while self.punct("::") && matches!(self.tokens.get(self.at + 1), Some(Tok::Ident(_))) {
            self.at += 2;
        }
        Ok(())
    }

    /// `( a, b )` or `[ a, b ]` from its opening bracket: the deepest element.
    fn list(&mut self, nest: usize, close: &str) -> Depth {
        self.at += 1;
        let mut depth = 0;
        while !self.punct(close) {
            depth = depth.max(self.expr(nest + 1)?);
            if self.punct(",") {
                self.at += 1;
            } else if !self.punct(close) {
                return Err(Stop::Unreadable);
            }
        }
        self.at += 1;
        Ok(depth)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: usize, link: &str) -> String {
        let links: Vec<String> = (0..n).map(|i| link.replace('#', &i.to_string())).collect();
        format!("permit(principal, action, resource) when {{ {} }};", links.join(" || "))
    }

    #[test]
    fn a_chain_is_as_deep_as_it_is_long() {
        assert_eq!(condition_depth(&chain(10, "context has a#")), Ok(11));
        assert_eq!(condition_depth(&chain(10, "resource.id == \"u#\"")), Ok(12));
        assert_eq!(condition_depth(&chain(MAX_DEPTH + 5, "true")), Err(MAX_DEPTH + 1));
    }

    #[test]
    fn ordinary_policies_are_shallow_and_every_construct_is_followed() {
        let policy = r#"@id("x") permit(principal in Group::"a", action in [Action::"r", Action::"w"], resource is Doc in Folder::"f")
            when { principal has address.city && resource.tags.containsAny(["a", "b"]) && context.ip.isInRange(ip("10.0.0.0/8")) }
            unless { if context.n * 2 + 1 > -3 then !(resource has owner) else { a: [1, {b: 2}] }.a.contains(1) || resource["x y"] like "*x*" || principal is User in Group::"g" };"#;
        let depth = condition_depth(policy).expect("not too deep");
        assert!((3..20).contains(&depth), "{depth}");
    }

    #[test]
    fn nesting_of_every_kind_counts_and_the_reader_stops_at_the_limit() {
        let parens =
            format!("permit(principal, action, resource) when {{ {}true{} }};", "(".repeat(5000), ")".repeat(5000));
        assert!(condition_depth(&parens).is_err());
        let sets =
            format!("permit(principal, action, resource) when {{ {}1{} == 1 }};", "[".repeat(70), "]".repeat(70));
        assert!(condition_depth(&sets).is_err());
        let nots = format!("permit(principal, action, resource) when {{ {}true }};", "!".repeat(300));
        assert!(condition_depth(&nots).is_err());
    }

    #[test]
    fn text_it_cannot_follow_is_left_to_cedar() {
        assert_eq!(condition_depth("permit(principal, action, resource) when { $$$ };"), Ok(0));
        assert_eq!(condition_depth("permit(principal, action, resource) when { 1 + };"), Ok(0));
    }
}
