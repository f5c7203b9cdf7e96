package awsiot

import (
	"context"
	"runtime"
	"sync"

	"github.com/mqherd/mqherd/infra/pki"
)

// expectation is one identity the PKI defines, as status and teardown
// look for it in AWS.
type expectation struct {
	id       identity
	certID   string // "" when the PKI has no such shard yet: it cannot exist in AWS
	optional bool   // an agent in ModeJITP: it appears on its first connect
}

// fleetPlan is every identity the PKI defines for a fleet, with its
// certificate ID (minted locally, byte-identical to what was registered).
type fleetPlan struct {
	list   []expectation
	byName map[string]int // index in list
	byCert map[string]int
}

// planFleet mints the certificates of the print services and agents
// 0..agents-1 on every core. Intermediates missing from the PKI directory
// are not created: their identities get no certificate ID.
func planFleet(auth *pki.Authority, shardSize, agents int, services []string, jitp bool) (*fleetPlan, error) {
	p := &fleetPlan{byName: map[string]int{}, byCert: map[string]int{}}
	for _, s := range services {
		p.list = append(p.list, expectation{id: serviceIdentity(s)})
	}
	for n := range agents {
		p.list = append(p.list, expectation{id: agentIdentity(n), optional: jitp})
	}
	m := newMinter(auth, shardSize)
	var mu sync.Mutex
	var firstErr error
	indexes := func(yield func(int) bool) {
		for i := range p.list {
			if !yield(i) {
				return
			}
		}
	}
	forEach(context.Background(), runtime.GOMAXPROCS(0), indexes, func(i int) {
		e := &p.list[i]
		issuer, err := pki.IssuerOf(e.id.name, shardSize)
		if err != nil || !auth.HasIssuer(issuer) {
			return
		}
		if mt, err := m.mint(e.id); err == nil {
			e.certID = mt.certID
		} else {
			mu.Lock()
			firstErr = cmpOr(firstErr, err)
			mu.Unlock()
		}
	})
	if firstErr != nil {
		return nil, firstErr
	}
	for i, e := range p.list {
		p.byName[e.id.name] = i
		if e.certID != "" {
			p.byCert[e.certID] = i
		}
	}
	return p, nil
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
