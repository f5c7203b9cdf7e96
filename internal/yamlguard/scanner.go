package yamlguard

// scanner keeps the counts across lines.
type scanner struct {
	lim     Limits
	flow    int   // open [ and { not yet closed
	indents []int // the block indentation levels in force
	aliases int
	merges  int
	quote   byte // the quote a multi-line flow scalar is still inside, or 0
}

// line scans one line.
func (s *scanner) line(text []byte) error {
	if s.quote == 0 && s.flow == 0 {
		if err := s.indent(text); err != nil {
			return err
		}
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		if s.quote != 0 {
			i = s.skipQuoted(text, i)
			continue
		}
		switch {
		case c == '#' && (i == 0 || text[i-1] == ' ' || text[i-1] == '\t'):
			return nil // a comment runs to the end of the line
		case c == '"' || c == '\'':
			s.quote = c
		case c == '[' || c == '{':
			if s.flow++; s.flow > s.lim.MaxDepth {
				return limitErr("flow collections nested", s.flow, s.lim.MaxDepth)
			}
		case c == ']' || c == '}':
			s.flow = max(0, s.flow-1)
		case c == '*' && startsToken(text, i):
			if s.aliases++; s.aliases > s.lim.MaxAliases {
				return limitErr("aliases", s.aliases, s.lim.MaxAliases)
			}
		case c == '<' && i+2 < len(text) && text[i+1] == '<' && text[i+2] == ':' && startsToken(text, i):
			if s.merges++; s.merges > s.lim.MaxMerges {
				return limitErr("merge keys", s.merges, s.lim.MaxMerges)
			}
		}
	}
	return nil
}

// skipQuoted advances inside a quoted scalar from i, leaving the quote when
// it closes; it returns the index of the last byte consumed.
func (s *scanner) skipQuoted(text []byte, i int) int {
	for ; i < len(text); i++ {
		switch {
		case s.quote == '"' && text[i] == '\\':
			i++ // an escaped character
		case text[i] == s.quote && s.quote == '\'' && i+1 < len(text) && text[i+1] == '\'':
			i++ // '' inside single quotes
		case text[i] == s.quote:
			s.quote = 0
			return i
		}
	}
	return i
}

// indent tracks block nesting by the columns at which content lines start,
// each "- " of a compact nested sequence ("- - - x") counting as a level.
func (s *scanner) indent(text []byte) error {
	var cols []int
	n := 0
	for n < len(text) && (text[n] == ' ' || text[n] == '-') {
		if text[n] == '-' && (n+1 == len(text) || text[n+1] == ' ') {
			cols = append(cols, n)
		}
		n++
	}
	if n == len(text) && len(cols) == 0 || n < len(text) && text[n] == '#' {
		return nil // blank or comment
	}
	first := n
	if len(cols) > 0 {
		first = cols[0]
	}
	for len(s.indents) > 0 && s.indents[len(s.indents)-1] >= first {
		s.indents = s.indents[:len(s.indents)-1]
	}
	s.indents = append(append(s.indents, cols...), n)
	if len(s.indents) > s.lim.MaxDepth {
		return limitErr("block levels nested", len(s.indents), s.lim.MaxDepth)
	}
	return nil
}

// startsToken reports whether text[i] begins a token (line start, or after
// a space, a tab or a flow indicator).
func startsToken(text []byte, i int) bool {
	if i == 0 {
		return true
	}
	switch text[i-1] {
	case ' ', '\t', '[', '{', ',':
		return true
	}
	return false
}
