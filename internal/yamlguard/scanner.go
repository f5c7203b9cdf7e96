package yamlguard

import (
	"fmt"

	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/token"
)

// tokenize splits data into the tokens the YAML parser will see. It is
// linear in the size of data; a panic of the tokenizer is an error.
func tokenize(data []byte) (tokens token.Tokens, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("not YAML the parser can read (%v)", r)
		}
	}()
	return lexer.Tokenize(string(data)), nil
}

// scanner keeps the counts across tokens.
type scanner struct {
	lim     Limits
	flow    int   // open [ and { not yet closed
	indents []int // the block indentation levels in force
	aliases int
	merges  int

	line   int   // line of the tokens being read
	dashes []int // columns of the "- " that start the line, not yet counted
	opened bool  // the line's first token other than "- " was counted
}

// token counts one token.
func (s *scanner) token(tk *token.Token) error {
	if s.flow == 0 {
		if err := s.indent(tk); err != nil {
			return err
		}
	}
	switch tk.Type {
	case token.SequenceStartType, token.MappingStartType:
		if s.flow++; s.flow > s.lim.MaxDepth {
			return limitErr("flow collections nested", s.flow, s.lim.MaxDepth)
		}
	case token.SequenceEndType, token.MappingEndType:
		s.flow = max(0, s.flow-1)
	case token.AliasType:
		if s.aliases++; s.aliases > s.lim.MaxAliases {
			return limitErr("aliases", s.aliases, s.lim.MaxAliases)
		}
	case token.MergeKeyType:
		if s.merges++; s.merges > s.lim.MaxMerges {
			return limitErr("merge keys", s.merges, s.lim.MaxMerges)
		}
	}
	return nil
}

// indent tracks block nesting by the columns at which lines' first tokens
// start, each "- " of a compact nested sequence ("- - - x") counting as a
// level. Comments and the text of block scalars (| and >, column 0) do not
// count.
func (s *scanner) indent(tk *token.Token) error {
	if tk.Type == token.CommentType || tk.Position == nil || tk.Position.Column < 1 {
		return nil
	}
	if tk.Position.Line != s.line {
		if err := s.push(nil); err != nil { // a line of dashes only
			return err
		}
		s.line, s.opened = tk.Position.Line, false
	}
	switch {
	case s.opened:
		return nil
	case tk.Type == token.SequenceEntryType:
		s.dashes = append(s.dashes, tk.Position.Column)
		return nil
	}
	s.opened = true
	return s.push([]int{tk.Position.Column})
}

// push makes the line's dashes and then cols the innermost levels, closing
// every level at or right of the first of them.
func (s *scanner) push(cols []int) error {
	cols = append(s.dashes, cols...)
	s.dashes = nil
	if len(cols) == 0 {
		return nil
	}
	for len(s.indents) > 0 && s.indents[len(s.indents)-1] >= cols[0] {
		s.indents = s.indents[:len(s.indents)-1]
	}
	s.indents = append(s.indents, cols...)
	if len(s.indents) > s.lim.MaxDepth {
		return limitErr("block levels nested", len(s.indents), s.lim.MaxDepth)
	}
	return nil
}
