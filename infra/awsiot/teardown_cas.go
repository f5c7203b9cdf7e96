package awsiot

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/iot/types"

	"github.com/mqherd/mqherd/infra/pki"
)

// caCandidate is an intermediate registered as a CA that may be the fleet's.
type caCandidate struct {
	issuer  pki.Issuer
	id      string
	created bool // the checkpoint says this fleet registered it
}

// caCandidates are the CAs the checkpoint records and those the PKI's
// shard certificates would have: ListCACertificates is never needed
// (moto lacks it).
func (t *teardown) caCandidates() ([]caCandidate, error) {
	byID := map[string]caCandidate{}
	for n, r := range read(t.cp, func(f *checkpointFile) map[int]caRecord { return mapsClone(f.CAs) }) {
		byID[r.ID] = caCandidate{issuer: pki.ShardIssuer(n), id: r.ID, created: r.Created}
	}
	for w, r := range read(t.cp, func(f *checkpointFile) map[string]caRecord { return mapsClone(f.ServiceCAs) }) {
		byID[r.ID] = caCandidate{issuer: pki.ServiceIssuer(w), id: r.ID, created: r.Created}
	}
	for _, i := range issuersOnDisk(t.auth.Dir) {
		shard, err := t.auth.Issuer(i)
		if err != nil {
			return nil, err
		}
		if id := certificateID(shard.Cert.Raw); byID[id].id == "" {
			byID[id] = caCandidate{issuer: i, id: id}
		}
	}
	out := make([]caCandidate, 0, len(byID))
	for _, c := range byID {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b caCandidate) int { return issuerOrder(a.issuer, b.issuer) })
	return out, nil
}

// cas deletes the fleet's CAs: those it registered, or tagged with
// its name. A registered CA whose owner cannot be told is kept, and said so.
func (t *teardown) cas(ctx context.Context) error {
	candidates, err := t.caCandidates()
	if err != nil {
		return err
	}
	for _, c := range candidates {
		d, err := t.describeCA(ctx, c.id)
		if err != nil {
			t.failOrStop(ctx, "CA "+c.issuer.String(), err)
			continue
		}
		if d == nil {
			continue // not registered: nothing to do
		}
		if !c.created && !t.tagged(ctx, c, aws.ToString(d.CertificateArn)) {
			continue
		}
		t.saw(1)
		if err := t.deleteCA(ctx, c.id); err != nil {
			t.failOrStop(ctx, "CA "+c.issuer.String(), err)
		}
	}
	return nil
}

func (t *teardown) describeCA(ctx context.Context, id string) (*types.CACertificateDescription, error) {
	var d *types.CACertificateDescription
	err := t.call(ctx, "DescribeCACertificate", func(ctx context.Context) error {
		out, err := t.a.iot.DescribeCACertificate(ctx, &iot.DescribeCACertificateInput{CertificateId: aws.String(id)})
		if err == nil {
			d = out.CertificateDescription
		}
		return err
	})
	if isCode(err, codeNotFound) {
		return nil, nil
	}
	return d, err
}

// tagged reports whether a CA carries the fleet's tag; a CA whose tags
// cannot be read (moto has no IoT tags) or that is another's is kept with
// a note.
func (t *teardown) tagged(ctx context.Context, c caCandidate, arn string) bool {
	var tags []types.Tag
	err := t.call(ctx, "ListTagsForResource", func(ctx context.Context) error {
		out, err := t.a.iot.ListTagsForResource(ctx, &iot.ListTagsForResourceInput{ResourceArn: aws.String(arn)},
			func(o *iot.Options) { o.RetryMaxAttempts = 3 }) // moto answers 500: do not wait out 10 attempts
		if err == nil {
			tags = out.Tags
		}
		return err
	})
	owner := ""
	for _, tag := range tags {
		if aws.ToString(tag.Key) == FleetTagKey {
			owner = aws.ToString(tag.Value)
		}
	}
	switch {
	case err != nil:
		t.sum.keep("CA %s (%s): registered, but not by this fleet's checkpoint and its tags cannot be read (%s)",
			c.issuer, c.id, brief(err))
	case owner == t.cfg.Fleet:
		return true
	case owner != "":
		t.sum.keep("CA %s (%s): tagged %s=%s, another fleet's", c.issuer, c.id, FleetTagKey, owner)
	default:
		t.sum.keep("CA %s (%s): registered without mqherd's tag: not this fleet's", c.issuer, c.id)
	}
	return false
}

// deleteCA deletes the certificates still registered under a CA, then
// deactivates the CA (and its auto-registration) and deletes it.
func (t *teardown) deleteCA(ctx context.Context, id string) error {
	var leftover []string
	p := iot.NewListCertificatesByCAPaginator(t.a.iot, &iot.ListCertificatesByCAInput{CaCertificateId: aws.String(id),
		PageSize: aws.Int32(250)})
	for p.HasMorePages() {
		var out *iot.ListCertificatesByCAOutput
		err := t.call(ctx, "ListCertificatesByCA", func(ctx context.Context) error {
			var err error
			out, err = p.NextPage(ctx)
			return err
		})
		if err != nil {
			return gone(err)
		}
		for _, c := range out.Certificates {
			leftover = append(leftover, aws.ToString(c.CertificateId))
		}
	}
	for _, cert := range leftover {
		if err := t.deleteCertificate(ctx, cert); err != nil {
			return err
		}
	}
	err := t.call(ctx, "UpdateCACertificate", func(ctx context.Context) error {
		_, err := t.a.iot.UpdateCACertificate(ctx, &iot.UpdateCACertificateInput{CertificateId: aws.String(id),
			NewStatus: types.CACertificateStatusInactive, NewAutoRegistrationStatus: types.AutoRegistrationStatusDisable})
		return err
	})
	if err = gone(err); err != nil {
		return err
	}
	err = t.call(ctx, "DeleteCACertificate", func(ctx context.Context) error {
		_, err := t.a.iot.DeleteCACertificate(ctx, &iot.DeleteCACertificateInput{CertificateId: aws.String(id)})
		return gone(err)
	})
	if err == nil {
		t.sum.add(cas)
	}
	return err
}

// issuerOrder sorts agent shards by number, then service intermediates by
// worker.
func issuerOrder(a, b pki.Issuer) int {
	switch {
	case a.IsService() && !b.IsService():
		return 1
	case !a.IsService() && b.IsService():
		return -1
	case a.IsService():
		return strings.Compare(a.Worker, b.Worker)
	}
	return a.Shard - b.Shard
}

func mapsClone[K comparable, V any](m map[K]V) map[K]V {
	out := make(map[K]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// issuersOnDisk returns the intermediates the PKI directory holds: agent
// shards (shards/shard-NNN.pem) and service intermediates
// (shards/services-W.pem), as pki names their files.
func issuersOnDisk(dir string) []pki.Issuer {
	var out []pki.Issuer
	paths, _ := filepath.Glob(filepath.Join(dir, "shards", "shard-*.pem"))
	for _, p := range paths {
		var n int
		if _, err := fmt.Sscanf(filepath.Base(p), "shard-%d.pem", &n); err == nil && pki.ShardIssuer(n).String()+".pem" == filepath.Base(p) {
			out = append(out, pki.ShardIssuer(n))
		}
	}
	paths, _ = filepath.Glob(filepath.Join(dir, "shards", "services-*.pem"))
	for _, p := range paths {
		w := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(p), "services-"), ".pem")
		if pki.ValidWorkerName(w) == nil {
			out = append(out, pki.ServiceIssuer(w))
		}
	}
	return out
}
