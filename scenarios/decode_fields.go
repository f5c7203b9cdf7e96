package scenarios

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// maxDepth bounds the nesting of mappings, merges included.
const maxDepth = 32

// mapping decodes a YAML mapping into the struct v, field by field.
func (d *decoder) mapping(path string, n ast.Node, v reflect.Value) {
	if d.depth++; d.depth > maxDepth { // merge keys can refer to their own mapping
		d.add(path, n, "merge keys nest deeper than %d levels", maxDepth)
		return
	}
	defer func() { d.depth-- }()
	entries, ok := mappingEntries(n)
	if !ok {
		d.add(path, n, "%s is not a mapping, must be a mapping with fields %s", describe(n), fieldList(v.Type()))
		return
	}
	for _, e := range entries { // merged fields first, so written ones override them
		if e.Key != nil && e.Key.IsMergeKey() {
			d.merge(path, e.Value, v)
		}
	}
	for _, e := range entries {
		if e.Key != nil && !e.Key.IsMergeKey() {
			d.field(path, e, v)
		}
	}
	d.required(path, n, v.Type())
}

// required reports the fields with a required tag that the mapping at path
// does not set; the tag describes the expected value.
func (d *decoder) required(path string, n ast.Node, t reflect.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		child := joinPath(path, yamlName(f))
		if _, set := d.pos[child]; !set && f.Tag.Get("required") != "" {
			d.add(child, n, "missing, must be %s", f.Tag.Get("required"))
		}
	}
}

// mappingEntries returns the entries of a mapping node.
func mappingEntries(n ast.Node) ([]*ast.MappingValueNode, bool) {
	switch t := n.(type) {
	case *ast.MappingNode:
		return t.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{t}, true
	}
	return nil, false
}

// merge decodes the mapping (or sequence of mappings) of a "<<" merge key.
func (d *decoder) merge(path string, n ast.Node, v reflect.Value) {
	n = d.plain(path, n)
	if seq, ok := n.(*ast.SequenceNode); ok {
		for _, item := range seq.Values {
			if item = d.plain(path, item); item != nil {
				d.mapping(path, item, v)
			}
		}
		return
	}
	if n != nil { // nil: a bad alias, already reported
		d.mapping(path, n, v)
	}
}

// field decodes one "key: value" entry into the struct v.
func (d *decoder) field(path string, e *ast.MappingValueNode, v reflect.Value) {
	key := keyText(e.Key)
	child := joinPath(path, key)
	i := fieldIndex(v.Type(), key)
	if i < 0 {
		d.problems = append(d.problems, Problem{File: d.file, Line: posOf(e.Key).line, Column: posOf(e.Key).col,
			Field: child, Message: "unknown field, must be one of " + fieldList(v.Type())})
		d.collectAnchors(e.Value)
		return
	}
	d.pos[child] = posOf(e.Key)
	d.value(child, e.Value, v.Field(i))
}

// collectAnchors makes the anchors under an ignored node usable by aliases.
func (d *decoder) collectAnchors(n ast.Node) {
	if n == nil {
		return
	}
	for _, a := range ast.Filter(ast.AnchorType, n) {
		if a, ok := a.(*ast.AnchorNode); ok && a.Name != nil {
			d.anchors[a.Name.GetToken().Value] = a.Value
		}
	}
}

// keyText returns a mapping key as written.
func keyText(k ast.MapKeyNode) string {
	if s, ok := k.(*ast.StringNode); ok {
		return s.Value
	}
	if tk := k.GetToken(); tk != nil {
		return tk.Value
	}
	return k.String()
}

// joinPath appends a field name to a dotted path.
func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// fieldIndex returns the index of the struct field with the given yaml
// name, or -1.
func fieldIndex(t reflect.Type, name string) int {
	for i := range t.NumField() {
		if yamlName(t.Field(i)) == name {
			return i
		}
	}
	return -1
}

// fieldList lists the yaml names of a struct's fields.
func fieldList(t reflect.Type) string {
	names := make([]string, t.NumField())
	for i := range names {
		names[i] = yamlName(t.Field(i))
	}
	return strings.Join(names, ", ")
}

func yamlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	return name
}

// sequence decodes a YAML sequence into the slice v, replacing the default.
func (d *decoder) sequence(path string, n ast.Node, v reflect.Value) {
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		d.add(path, n, "%s is not a sequence, must be a list", describe(n))
		return
	}
	out := reflect.MakeSlice(v.Type(), len(seq.Values), len(seq.Values))
	for i, item := range seq.Values {
		child := fmt.Sprintf("%s[%d]", path, i)
		d.pos[child] = posOf(item)
		d.value(child, item, out.Index(i))
	}
	v.Set(out)
}

// scalarText returns the text of a scalar node as the user wrote it.
func scalarText(n ast.Node) (string, bool) {
	switch t := n.(type) {
	case *ast.StringNode:
		return t.Value, true
	case *ast.LiteralNode:
		return t.Value.Value, true
	case ast.ScalarNode:
		if tk := t.GetToken(); tk != nil {
			return tk.Value, true
		}
	}
	return "", false
}

// describe names a node for a message: its quoted text, or its kind.
func describe(n ast.Node) string {
	if n == nil {
		return "nothing"
	}
	if text, ok := scalarText(n); ok {
		return fmt.Sprintf("%q", text)
	}
	switch n.Type() {
	case ast.MappingType, ast.MappingValueType:
		return "a mapping"
	case ast.SequenceType:
		return "a sequence"
	}
	return "a " + n.Type().String()
}

// text decodes a scalar into a string field.
func (d *decoder) text(path string, n ast.Node, v reflect.Value) {
	text, ok := scalarText(n)
	if !ok {
		d.add(path, n, "%s is not a string, quote the value", describe(n))
		return
	}
	v.SetString(text)
}

// duration decodes a Go duration such as 30s or 168h.
func (d *decoder) duration(path string, n ast.Node, v reflect.Value) {
	text, ok := scalarText(n)
	dur, err := time.ParseDuration(text)
	if !ok || err != nil {
		d.add(path, n, "%s is not a duration, write it in Go syntax such as 500ms, 30s, 1h30m or 168h", describe(n))
		return
	}
	v.SetInt(int64(dur))
}

// integer decodes a whole number into an int field.
func (d *decoder) integer(path string, n ast.Node, v reflect.Value) {
	i, ok := n.(*ast.IntegerNode)
	if !ok {
		d.add(path, n, "%s is not an integer", describe(n))
		return
	}
	var x int64
	switch t := i.Value.(type) {
	case int64:
		x = t
	case uint64:
		if t > math.MaxInt64 {
			d.add(path, n, "%s is too large", describe(n))
			return
		}
		x = int64(t)
	}
	if x != int64(int(x)) {
		d.add(path, n, "%s is too large", describe(n))
		return
	}
	v.SetInt(x)
}

// unsigned decodes a non-negative whole number into a uint64 field.
func (d *decoder) unsigned(path string, n ast.Node, v reflect.Value) {
	i, ok := n.(*ast.IntegerNode)
	if !ok {
		d.add(path, n, "%s is not an integer", describe(n))
		return
	}
	switch x := i.Value.(type) {
	case uint64:
		v.SetUint(x)
	case int64:
		if x < 0 {
			d.add(path, n, "%s out of range, must be 0..%d", describe(n), uint64(math.MaxUint64))
			return
		}
		v.SetUint(uint64(x))
	}
}

// float decodes a finite number into a float64 field.
func (d *decoder) float(path string, n ast.Node, v reflect.Value) {
	switch t := n.(type) {
	case *ast.FloatNode:
		v.SetFloat(t.Value)
	case *ast.IntegerNode:
		switch x := t.Value.(type) {
		case int64:
			v.SetFloat(float64(x))
		case uint64:
			v.SetFloat(float64(x))
		}
	case *ast.InfinityNode, *ast.NanNode:
		d.add(path, n, "%s is not a finite number", describe(n))
	default:
		d.floatText(path, n, v)
	}
}

// floatText decodes numbers the YAML parser left as strings, such as 1e13.
func (d *decoder) floatText(path string, n ast.Node, v reflect.Value) {
	text, ok := scalarText(n)
	x, err := strconv.ParseFloat(text, 64)
	switch {
	case !ok || err != nil && !errors.Is(err, strconv.ErrRange):
		d.add(path, n, "%s is not a number", describe(n))
	case math.IsInf(x, 0) || math.IsNaN(x):
		d.add(path, n, "%s is not a finite number", describe(n))
	default:
		v.SetFloat(x)
	}
}
