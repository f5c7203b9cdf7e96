package awsfake

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"net/http"
	"slices"
)

func (f *IoT) createThing(r *http.Request) (any, *apiError) {
	name := r.PathValue("thingName")
	var in struct {
		AttributePayload struct {
			Attributes map[string]string `json:"attributes"`
		} `json:"attributePayload"`
	}
	if e := decode(r, &in); e != nil {
		return nil, e
	}
	attrs := in.AttributePayload.Attributes
	if attrs == nil {
		attrs = map[string]string{}
	}
	t := f.things[name]
	switch {
	case t == nil:
		sum := sha256.Sum256([]byte(name))
		t = &thing{name: name, id: hex.EncodeToString(sum[:16]), attributes: attrs}
		f.things[name] = t
	case !maps.Equal(t.attributes, attrs):
		// AWS: the same name and configuration succeeds, another
		// configuration is a conflict (moto overwrites instead).
		return nil, alreadyExists("Thing "+name+" already exists in account with different attributes", t.id, f.arn("thing", name))
	}
	return map[string]string{"thingName": name, "thingArn": f.arn("thing", name), "thingId": t.id}, nil
}

func (f *IoT) describeThing(r *http.Request) (any, *apiError) {
	t := f.things[r.PathValue("thingName")]
	if t == nil {
		return nil, notFound("Thing " + r.PathValue("thingName") + " cannot be found.")
	}
	return f.thingJSON(t), nil
}

func (f *IoT) thingJSON(t *thing) map[string]any {
	return map[string]any{"thingName": t.name, "thingArn": f.arn("thing", t.name), "thingId": t.id,
		"attributes": t.attributes, "version": 1}
}

// deleteThing succeeds for a missing thing, as AWS does (moto: 404).
func (f *IoT) deleteThing(r *http.Request) (any, *apiError) {
	name := r.PathValue("thingName")
	for a := range f.thingPrincipals {
		if a.from == name {
			return nil, invalidRequest("Cannot delete. Thing " + name + " is still attached to one or more principals")
		}
	}
	delete(f.things, name)
	return map[string]any{}, nil
}

// listThings pages through the things, filtered by one attribute when
// asked (exact value match).
func (f *IoT) listThings(r *http.Request) (any, *apiError) {
	q := r.URL.Query()
	attr, value := q.Get("attributeName"), q.Get("attributeValue")
	var names []string
	for name, t := range f.things {
		if v, ok := t.attributes[attr]; attr == "" || ok && v == value {
			names = append(names, name)
		}
	}
	names, next := page(names, q.Get("nextToken"), queryInt(r, "maxResults"), 50)
	out := make([]map[string]any, 0, len(names))
	for _, name := range names {
		out = append(out, f.thingJSON(f.things[name]))
	}
	return map[string]any{"things": out, "nextToken": omitEmpty(next)}, nil
}

func (f *IoT) attachThingPrincipal(r *http.Request) (any, *apiError) {
	name, principal := r.PathValue("thingName"), r.Header.Get("X-Amzn-Principal")
	if f.things[name] == nil {
		return nil, notFound("Thing " + name + " cannot be found.")
	}
	if f.principal(principal) == nil {
		return nil, notFound("Principal " + principal + " cannot be found.")
	}
	f.thingPrincipals[attachment{name, principal}] = true
	return map[string]any{}, nil
}

// detachThingPrincipal of what is not attached is ResourceNotFoundException,
// as in moto.
func (f *IoT) detachThingPrincipal(r *http.Request) (any, *apiError) {
	a := attachment{r.PathValue("thingName"), r.Header.Get("X-Amzn-Principal")}
	if !f.thingPrincipals[a] {
		return nil, notFound("Principal " + a.to + " is not attached to thing " + a.from)
	}
	delete(f.thingPrincipals, a)
	return map[string]any{}, nil
}

func (f *IoT) listThingPrincipals(r *http.Request) (any, *apiError) {
	name := r.PathValue("thingName")
	if f.things[name] == nil {
		return nil, notFound("Failed to list principals for thing " + name + " because the thing does not exist in your account")
	}
	principals, next := page(attachedFrom(f.thingPrincipals, name), r.URL.Query().Get("nextToken"), queryInt(r, "maxResults"), 25)
	return map[string]any{"principals": nonNil(principals), "nextToken": omitEmpty(next)}, nil
}

// listPrincipalThings lists the things attached to a certificate (the
// X-Amzn-Principal header), in pages; a principal that is not a registered
// certificate is ResourceNotFoundException.
func (f *IoT) listPrincipalThings(r *http.Request) (any, *apiError) {
	principal := r.Header.Get("X-Amzn-Principal")
	if f.principal(principal) == nil {
		return nil, notFound("Principal " + principal + " cannot be found.")
	}
	names, next := page(attachedTo(f.thingPrincipals, principal), r.URL.Query().Get("nextToken"), queryInt(r, "maxResults"), 25)
	return map[string]any{"things": nonNil(names), "nextToken": omitEmpty(next)}, nil
}

// principal returns the certificate an ARN names, or nil.
func (f *IoT) principal(arn string) *certificate {
	prefix := f.arn("cert", "")
	if len(arn) <= len(prefix) || arn[:len(prefix)] != prefix {
		return nil
	}
	return f.certs[arn[len(prefix):]]
}

// omitEmpty makes an empty paging token absent (nil encodes as null, which
// the SDK reads as no token).
func omitEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return slices.Clip(s)
}
