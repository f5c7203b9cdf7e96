package scenarios

import (
	"reflect"
	"testing"
)

func TestYAMLRoundTrip(t *testing.T) {
	t.Parallel()
	for _, name := range BuiltinNames() {
		s, err := Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.YAML()
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse(name+".yaml", b)
		if err != nil {
			t.Fatalf("%s: re-parse of its own YAML: %v\n%s", name, err, b)
		}
		if !reflect.DeepEqual(s, back) {
			t.Errorf("%s: round trip changed the scenario:\n%+v\n%+v", name, s, back)
		}
	}
}
