package ec2fleet

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
)

// identity is what IMDS says of this instance.
type identity struct {
	instanceID string
	localIP    string
	mac        string
}

// sourceAddresses gives a worker enough source addresses: one per ~28,000
// agents per broker address. The extra ones are assigned to the primary
// interface by EC2 and added to the host's interface; returns every source
// address (primary first) when more than one is used.
func sourceAddresses(ctx context.Context, bc BootstrapConfig, id identity, h Host, cloud Cloud) (Step, []string) {
	st := Step{Name: "secondary source addresses"}
	need := SourceAddrs(bc.Agents, bc.BrokerAddrs)
	switch {
	case bc.Role != RoleWorker:
		return st.skip("not a worker"), nil
	case need <= 1:
		return st.skip("%d agents over %d broker address(es) fit one source address (<= %d each)", bc.Agents, max(1, bc.BrokerAddrs), portsPerSource), nil
	case id.mac == "" || id.localIP == "":
		return st.skip("need %d addresses but IMDS gives no interface (not on EC2?): the worker uses one and may run out of ports", need), nil
	case !h.Root:
		return st.skip("need %d addresses: not root (cannot add them to the interface)", need), nil
	}
	eni, err := cloud.Metadata(ctx, "network/interfaces/macs/"+id.mac+"/interface-id")
	if err != nil {
		return st.skip("need %d addresses: IMDS has no interface ID for %s: %v", need, id.mac, err), nil
	}
	cidr, _ := cloud.Metadata(ctx, "network/interfaces/macs/"+id.mac+"/subnet-ipv4-cidr-block")
	got, err := cloud.AssignAddresses(ctx, eni, need-1)
	if err != nil {
		return st.skip("need %d addresses: %v", need, err), nil
	}
	extra := slices.DeleteFunc(got, func(ip string) bool { return ip == id.localIP })
	dev, err := interfaceByMAC(id.mac)
	if err != nil {
		return st.skip("assigned %v on %s but: %v", extra, eni, err), nil
	}
	for _, ip := range extra {
		if err := h.Run(ctx, "ip", "addr", "add", fmt.Sprintf("%s/%d", ip, prefixLen(cidr)), "dev", dev); err != nil &&
			!strings.Contains(err.Error(), "File exists") {
			return st.skip("ip addr add %s: %v", ip, err), nil
		}
	}
	all := append([]string{id.localIP}, extra...)
	return st.did("%d agents need %d source addresses: added %s to %s (%s)", bc.Agents, need, strings.Join(extra, ", "), dev, eni), all
}

// interfaceByMAC is the name of the host's interface with that MAC.
func interfaceByMAC(mac string) (string, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return "", err
	}
	for _, i := range ifs {
		if strings.EqualFold(i.HardwareAddr.String(), mac) {
			return i.Name, nil
		}
	}
	return "", fmt.Errorf("no interface has MAC %s", mac)
}
