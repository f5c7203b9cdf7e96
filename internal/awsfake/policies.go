package awsfake

import (
	"encoding/json"
	"net/http"
	"sort"
)

// createPolicy stores the document verbatim after checking that it is JSON
// (moto accepts anything).
func (f *IoT) createPolicy(r *http.Request) (any, *apiError) {
	name := r.PathValue("policyName")
	var in struct {
		Document string `json:"policyDocument"`
		Tags     []tag  `json:"tags"`
	}
	if e := decode(r, &in); e != nil {
		return nil, e
	}
	if !json.Valid([]byte(in.Document)) {
		return nil, &apiError{status: http.StatusBadRequest, code: "MalformedPolicyException", msg: "Policy document is not valid JSON"}
	}
	arn := f.arn("policy", name)
	if f.policies[name] != nil {
		return nil, alreadyExists("Policy cannot be created - name already exists (name="+name+")", name, arn)
	}
	f.policies[name] = &policy{name: name, document: in.Document, tags: tagMap(in.Tags)}
	return map[string]string{"policyName": name, "policyArn": arn, "policyDocument": in.Document, "policyVersionId": "1"}, nil
}

func (f *IoT) getPolicy(r *http.Request) (any, *apiError) {
	p := f.policies[r.PathValue("policyName")]
	if p == nil {
		return nil, notFound("Policy " + r.PathValue("policyName") + " not found")
	}
	return map[string]string{"policyName": p.name, "policyArn": f.arn("policy", p.name),
		"policyDocument": p.document, "defaultVersionId": "1"}, nil
}

func (f *IoT) deletePolicy(r *http.Request) (any, *apiError) {
	name := r.PathValue("policyName")
	if f.policies[name] == nil {
		return nil, notFound("Policy " + name + " not found")
	}
	for a := range f.policyTargets {
		if a.from == name {
			return nil, deleteConflict("The policy cannot be deleted as the policy is attached to one or more principals (name=" + name + ")")
		}
	}
	delete(f.policies, name)
	return map[string]any{}, nil
}

type targetInput struct {
	Target string `json:"target"`
}

func (f *IoT) attachPolicy(r *http.Request) (any, *apiError) {
	name := r.PathValue("policyName")
	var in targetInput
	if e := decode(r, &in); e != nil {
		return nil, e
	}
	if f.policies[name] == nil {
		return nil, notFound("Policy " + name + " not found")
	}
	if f.principal(in.Target) == nil {
		return nil, notFound("Target " + in.Target + " not found")
	}
	f.policyTargets[attachment{name, in.Target}] = true
	return map[string]any{}, nil
}

// detachPolicy of a policy that is not attached is
// ResourceNotFoundException, as in moto.
func (f *IoT) detachPolicy(r *http.Request) (any, *apiError) {
	var in targetInput
	if e := decode(r, &in); e != nil {
		return nil, e
	}
	a := attachment{r.PathValue("policyName"), in.Target}
	if !f.policyTargets[a] {
		return nil, notFound("Policy " + a.from + " is not attached to " + a.to)
	}
	delete(f.policyTargets, a)
	return map[string]any{}, nil
}

func (f *IoT) listTargetsForPolicy(r *http.Request) (any, *apiError) {
	name := r.PathValue("policyName")
	if f.policies[name] == nil {
		return nil, notFound("Policy " + name + " not found")
	}
	targets, next := page(attachedFrom(f.policyTargets, name), r.URL.Query().Get("marker"), queryInt(r, "pageSize"), 25)
	return map[string]any{"targets": nonNil(targets), "nextMarker": omitEmpty(next)}, nil
}

// listAttachedPolicies lists the policies attached to a certificate, by
// name, in pages; a target that is not a registered certificate is
// ResourceNotFoundException. recursive (thing groups) has nothing to add:
// the fake attaches policies to certificates only.
func (f *IoT) listAttachedPolicies(r *http.Request) (any, *apiError) {
	target := r.PathValue("target")
	if f.principal(target) == nil {
		return nil, notFound("Target " + target + " not found")
	}
	names, next := page(attachedTo(f.policyTargets, target), r.URL.Query().Get("marker"), queryInt(r, "pageSize"), 25)
	out := make([]map[string]string, 0, len(names))
	for _, name := range names {
		out = append(out, map[string]string{"policyName": name, "policyArn": f.arn("policy", name)})
	}
	return map[string]any{"policies": out, "nextMarker": omitEmpty(next)}, nil
}

// listTags lists the tags of a policy or CA certificate (moto has no IoT
// tags at all).
func (f *IoT) listTags(r *http.Request) (any, *apiError) {
	arn := r.URL.Query().Get("resourceArn")
	var tags map[string]string
	for name, p := range f.policies {
		if f.arn("policy", name) == arn {
			tags = p.tags
		}
	}
	for id, c := range f.cas {
		if f.arn("cacert", id) == arn {
			tags = c.tags
		}
	}
	if tags == nil {
		return nil, notFound("Resource " + arn + " not found")
	}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]tag, 0, len(keys))
	for _, k := range keys {
		out = append(out, tag{k, tags[k]})
	}
	return map[string]any{"tags": out}, nil
}
