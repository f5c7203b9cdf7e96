package scenarios

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// decoder walks the YAML syntax tree into a Scenario that already holds the
// defaults, so omitted fields keep them. Unlike a plain Unmarshal it goes on
// after a problem, collecting every unknown field and ill-typed value with
// its position, and it remembers where each field was written so that
// validation problems can be placed too.
type decoder struct {
	file     string
	problems []Problem
	pos      map[string]position // field path -> where it is written
	anchors  map[string]ast.Node
	failed   []string // fields whose value could not be decoded
	depth    int      // current mapping nesting
}

// position is a place in the file, 1-based.
type position struct{ line, col int }

var durationType = reflect.TypeFor[time.Duration]()

func newDecoder(file string) *decoder {
	return &decoder{file: file, pos: map[string]position{"": {1, 1}}, anchors: map[string]ast.Node{}}
}

// decode parses data into s. It reports false if the YAML itself is broken,
// in which case s is not to be validated.
func (d *decoder) decode(data []byte, s *Scenario) bool {
	f, err := parseYAML(data)
	if err != nil {
		d.syntax(err)
		return false
	}
	var bodies []ast.Node
	for _, doc := range f.Docs {
		if doc != nil && doc.Body != nil {
			bodies = append(bodies, doc.Body)
		}
	}
	if len(bodies) > 1 {
		d.add("", bodies[1], "a scenario file holds one YAML document, found more")
	}
	if len(bodies) > 0 {
		d.pos[""] = posOf(bodies[0])
		d.value("", bodies[0], reflect.ValueOf(s).Elem())
	}
	return true
}

// parseYAML parses data and turns a panic of the parser into an error, as
// scenario files come from users.
func parseYAML(data []byte) (f *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("the YAML parser failed: %v", r)
		}
	}()
	return parser.ParseBytes(data, 0)
}

// syntax records a YAML syntax error with its position if it has one.
func (d *decoder) syntax(err error) {
	p := Problem{File: d.file, Message: err.Error()}
	var ye yaml.Error
	if errors.As(err, &ye) {
		p.Message = ye.GetMessage()
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			p.Line, p.Column = tk.Position.Line, tk.Position.Column
		}
	}
	if p.Line == 0 {
		p.Line, p.Column = 1, 1
	}
	d.problems = append(d.problems, p)
}

// add records a problem at node n.
func (d *decoder) add(path string, n ast.Node, format string, args ...any) {
	p := posOf(n)
	d.problems = append(d.problems, Problem{File: d.file, Line: p.line, Column: p.col,
		Field: path, Message: fmt.Sprintf(format, args...)})
	d.failed = append(d.failed, path)
}

// decodedBadly reports whether a field, or a field containing it, could not
// be decoded; validating its default or zero value again would only repeat
// the problem.
func (d *decoder) decodedBadly(field string) bool {
	for _, f := range d.failed {
		if f == "" || field == f || strings.HasPrefix(field, f+".") || strings.HasPrefix(field, f+"[") {
			return true
		}
	}
	return false
}

// locate fills in the position of a validation problem: where its field is
// written, or the nearest enclosing field that is.
func (d *decoder) locate(p Problem) Problem {
	p.File = d.file
	for path := p.Field; ; path = parentPath(path) {
		if at, ok := d.pos[path]; ok {
			p.Line, p.Column = at.line, at.col
			return p
		}
		if path == "" {
			return p
		}
	}
}

// parentPath strips the last ".name" or "[i]" from a field path.
func parentPath(path string) string {
	return path[:max(strings.LastIndexAny(path, ".["), 0)]
}

// posOf returns the position of a node's first token.
func posOf(n ast.Node) position {
	switch t := n.(type) {
	case nil:
		return position{1, 1}
	case *ast.MappingNode: // its own token is the first ':'
		if len(t.Values) > 0 {
			return posOf(t.Values[0].Key)
		}
	case *ast.MappingValueNode:
		return posOf(t.Key)
	}
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		return position{tk.Position.Line, tk.Position.Column}
	}
	return position{1, 1}
}

// value decodes node n into v, the field at path.
func (d *decoder) value(path string, n ast.Node, v reflect.Value) {
	switch t := n.(type) {
	case *ast.TagNode:
		d.value(path, t.Value, v)
		return
	case *ast.AnchorNode:
		d.value(path, t.Value, v)
		if t.Name != nil { // usable once decoded: no alias refers to its own container
			d.anchors[t.Name.GetToken().Value] = t.Value
		}
		return
	case *ast.AliasNode:
		if target := d.alias(path, t); target != nil {
			d.value(path, target, v)
		}
		return
	}
	if n == nil || n.Type() == ast.NullType {
		return // omitted: keep the default
	}
	if _, scalar := n.(ast.ScalarNode); scalar {
		d.pos[path] = posOf(n)
	}
	d.typed(path, n, v)
}

// typed decodes a plain (not anchored, tagged or aliased) node into v.
func (d *decoder) typed(path string, n ast.Node, v reflect.Value) {
	switch {
	case v.Type() == durationType:
		d.duration(path, n, v)
	case v.Kind() == reflect.Struct:
		d.mapping(path, n, v)
	case v.Kind() == reflect.Slice:
		d.sequence(path, n, v)
	case v.Kind() == reflect.String:
		d.text(path, n, v)
	case v.Kind() == reflect.Int:
		d.integer(path, n, v)
	case v.Kind() == reflect.Uint64:
		d.unsigned(path, n, v)
	case v.Kind() == reflect.Float64:
		d.float(path, n, v)
	default:
		panic("scenarios: no decoder for " + v.Type().String())
	}
}

// alias returns the node an alias refers to, or nil after recording a problem.
func (d *decoder) alias(path string, a *ast.AliasNode) ast.Node {
	name := a.Value.GetToken().Value
	target, ok := d.anchors[name]
	if !ok {
		d.add(path, a, "alias *%s does not name an earlier anchor", name)
		return nil
	}
	return target
}

// plain looks through tags, anchors and aliases to the node holding a value.
func (d *decoder) plain(path string, n ast.Node) ast.Node {
	for {
		switch t := n.(type) {
		case *ast.TagNode:
			n = t.Value
		case *ast.AnchorNode:
			if t.Name != nil {
				d.anchors[t.Name.GetToken().Value] = t.Value
			}
			n = t.Value
		case *ast.AliasNode:
			n = d.alias(path, t)
		default:
			return n
		}
	}
}
