package broker

import (
	"fmt"
	"strings"
)

// pattern is a policy's resource ARN: literal text, the wildcards * and ?,
// and policy variables resolved per connection.
type pattern []token

// token is one piece of a pattern: literal text, a wildcard, or a variable.
type token struct {
	text string // literal text (when wild and variable are zero)
	wild byte   // '*' or '?'
	vr   policyVar
}

// policyVar is a supported policy variable.
type policyVar uint8

const (
	varNone      policyVar = iota
	varClientID            // ${iot:ClientId}
	varThingName           // ${iot:Connection.Thing.ThingName}
)

// parsePattern splits a resource into tokens; an unknown variable is an error.
func parsePattern(s string) (pattern, error) {
	var p pattern
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			p = append(p, token{text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '*' || c == '?':
			flush()
			p = append(p, token{wild: c})
		case c == '$' && strings.HasPrefix(s[i:], "${"):
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return nil, fmt.Errorf("unterminated variable at %q", s[i:])
			}
			name := s[i+2 : i+end]
			i += end
			switch name {
			case "*", "?", "$": // IAM's escapes for the literal characters
				lit.WriteString(name)
			case "iot:ClientId":
				flush()
				p = append(p, token{vr: varClientID})
			case "iot:Connection.Thing.ThingName":
				flush()
				p = append(p, token{vr: varThingName})
			default:
				return nil, fmt.Errorf("policy variable ${%s}: only ${iot:ClientId} and ${iot:Connection.Thing.ThingName} are supported", name)
			}
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return p, nil
}

// match reports whether s matches the pattern with the connection's
// variables; a variable without a value matches nothing.
func (p pattern) match(s string, vars policyVars) bool {
	resolved := make([]token, 0, len(p))
	for _, t := range p {
		switch t.vr {
		case varClientID:
			t = token{text: vars.clientID}
		case varThingName:
			t = token{text: vars.thingName}
		default:
			resolved = append(resolved, t)
			continue
		}
		if t.text == "" {
			return false
		}
		resolved = append(resolved, t)
	}
	return globMatch(resolved, s, false)
}

// globMatch matches s against tokens (literal text, * and ?); with fold,
// literal text matches without regard to case and * or ? inside literal
// text are wildcards too (action names such as "iot:*" are one token).
func globMatch(tokens []token, s string, fold bool) bool {
	var flat []token
	for _, t := range tokens {
		if !fold || t.wild != 0 {
			flat = append(flat, t)
			continue
		}
		for _, c := range []byte(strings.ToLower(t.text)) {
			if c == '*' || c == '?' {
				flat = append(flat, token{wild: c})
			} else {
				flat = append(flat, token{text: string(c)})
			}
		}
	}
	if fold {
		s = strings.ToLower(s)
	}
	return matchFrom(flat, s)
}

// matchFrom is a backtracking glob match; the last * tried is the only
// one revisited, which keeps it linear in practice.
func matchFrom(ts []token, s string) bool {
	ti, si := 0, 0
	starT, starS := -1, 0
	for si < len(s) || ti < len(ts) {
		if ti < len(ts) {
			t := ts[ti]
			switch {
			case t.wild == '*':
				starT, starS = ti, si
				ti++
				continue
			case t.wild == '?' && si < len(s):
				ti++
				si++
				continue
			case t.wild == 0 && strings.HasPrefix(s[si:], t.text):
				ti++
				si += len(t.text)
				continue
			}
		}
		if starT < 0 || starS >= len(s) {
			return false
		}
		starS++
		ti, si = starT+1, starS
	}
	return true
}
