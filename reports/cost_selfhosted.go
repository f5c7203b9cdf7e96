package reports

import "fmt"

// SelfHosted estimates the self-hosted cluster: its instances and storage
// all month, and labour. Its size does not follow the traffic; set it in
// the price file.
func (p *Prices) SelfHosted(in CostInput) CostEstimate {
	s := p.Cluster
	n := float64(s.Brokers)
	return totalled(CostEstimate{Target: "self-hosted",
		CAPEX: []CostLine{p.setupLine(s.Labour)},
		OPEX: []CostLine{
			priceLine(fmt.Sprintf("%d x %s brokers", s.Brokers, s.Instance), n*hoursPerMonth, p.EC2[s.Instance]),
			priceLine(fmt.Sprintf("EBS gp3, %g GB per broker", s.StorageGBPerBroker), n*s.StorageGBPerBroker, p.EBSGP3),
			p.opsLine(s.Labour),
		}})
}
