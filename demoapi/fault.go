package demoapi

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Service names one of the demo API's services, or All of them.
type Service string

// The services, and All for fault switching across every service.
const (
	Users    Service = "users"
	Orders   Service = "orders"
	Payments Service = "payments"
	All      Service = "all"
)

// Services returns the three services in a fixed order.
func Services() []Service { return []Service{Users, Orders, Payments} }

// service indices, used for arrays indexed by service.
const (
	svcUsers = iota
	svcOrders
	svcPayments
	numServices
	svcNone = -1
)

func (s Service) index() int {
	switch s {
	case Users:
		return svcUsers
	case Orders:
		return svcOrders
	case Payments:
		return svcPayments
	}
	return svcNone
}

// ParseService parses "users", "orders", "payments" or "all"
// (case-insensitive).
func ParseService(s string) (Service, error) {
	switch sv := Service(strings.ToLower(strings.TrimSpace(s))); sv {
	case Users, Orders, Payments, All:
		return sv, nil
	}
	return "", fmt.Errorf("unknown service %q (want users, orders, payments or all)", s)
}

// FaultKind is the kind of an injected fault.
type FaultKind int

// Fault kinds.
const (
	// FaultNone serves normally.
	FaultNone FaultKind = iota
	// FaultSlow multiplies the service's latency by Fault.Factor.
	FaultSlow
	// FaultErrors answers Fault.Percent percent of requests with 500.
	FaultErrors
	// FaultOutage answers every request with 503 at once.
	FaultOutage
)

// Defaults applied when a fault is set without its parameter, and the steps
// CycleFault goes through.
const (
	DefaultSlowFactor    = 5
	DefaultErrorsPercent = 50
)

var faultKindNames = [...]string{"none", "slow", "errors", "outage"}

// String returns "none", "slow", "errors" or "outage".
func (k FaultKind) String() string {
	if k < 0 || int(k) >= len(faultKindNames) {
		return "FaultKind(" + strconv.Itoa(int(k)) + ")"
	}
	return faultKindNames[k]
}

// ParseFaultKind parses a kind name as String spells it; "clear" and "" are
// accepted for none, "error" for errors.
func ParseFaultKind(s string) (FaultKind, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "none", "clear", "":
		return FaultNone, nil
	case "slow":
		return FaultSlow, nil
	case "errors", "error":
		return FaultErrors, nil
	case "outage":
		return FaultOutage, nil
	}
	return FaultNone, fmt.Errorf("unknown fault kind %q (want none, slow, errors or outage)", s)
}

// Fault is a fault injected into a service.
type Fault struct {
	Kind FaultKind
	// Factor multiplies latency for FaultSlow (DefaultSlowFactor if not
	// positive).
	Factor float64
	// Percent of requests answered 500 for FaultErrors (DefaultErrorsPercent
	// if not positive; at most 100).
	Percent float64
}

// String describes the fault for people: "none", "slow ×5", "errors 30%",
// "outage".
func (f Fault) String() string {
	f = f.normalized()
	switch f.Kind {
	case FaultSlow:
		return "slow ×" + strconv.FormatFloat(f.Factor, 'g', -1, 64)
	case FaultErrors:
		return "errors " + strconv.FormatFloat(f.Percent, 'g', -1, 64) + "%"
	}
	return f.Kind.String()
}

// normalized applies the documented defaults and drops parameters the kind
// does not use, so equal faults compare equal.
func (f Fault) normalized() Fault {
	switch f.Kind {
	case FaultSlow:
		if !(f.Factor > 0) || math.IsInf(f.Factor, 0) {
			f.Factor = DefaultSlowFactor
		}
		return Fault{Kind: FaultSlow, Factor: f.Factor}
	case FaultErrors:
		if !(f.Percent > 0) {
			f.Percent = DefaultErrorsPercent
		}
		return Fault{Kind: FaultErrors, Percent: min(f.Percent, 100)}
	case FaultOutage:
		return Fault{Kind: FaultOutage}
	}
	return Fault{}
}

// next is the fault after f in CycleFault's order, the story of an
// incident: none → errors 50% → slow ×5 → outage → none (recovered).
func (f Fault) next() Fault {
	switch f.Kind {
	case FaultNone:
		return Fault{Kind: FaultErrors, Percent: DefaultErrorsPercent}
	case FaultErrors:
		return Fault{Kind: FaultSlow, Factor: DefaultSlowFactor}
	case FaultSlow:
		return Fault{Kind: FaultOutage}
	}
	return Fault{}
}

// Story describes fault f of service s for an audience, as the dashboard's
// fault key shows it: "errors: all services fail 50% of requests (500)",
// "recovered: all services healthy".
func Story(s Service, f Fault) string {
	f = f.normalized()
	who, verb := string(s)+" service", "fails"
	if s == All {
		who, verb = "all services", "fail"
	}
	switch f.Kind {
	case FaultErrors:
		return "errors: " + who + " " + verb + " " + strconv.FormatFloat(f.Percent, 'g', -1, 64) + "% of requests (500)"
	case FaultSlow:
		return "slow: " + who + " " + strconv.FormatFloat(f.Factor, 'g', -1, 64) + "× slower"
	case FaultOutage:
		return "outage: " + who + " down (503)"
	}
	return "recovered: " + who + " healthy"
}

// ParseFault parses a fault setting as a command-line flag spells it:
// "SERVICE=KIND[:N]", e.g. "payments=slow:5", "all=errors:30",
// "orders=outage", "users=none". N is the slow factor or the error percent;
// without it the defaults apply.
func ParseFault(s string) (Service, Fault, error) {
	svcPart, kindPart, ok := strings.Cut(s, "=")
	if !ok {
		return "", Fault{}, fmt.Errorf("fault %q: want SERVICE=KIND[:N], e.g. payments=slow:5", s)
	}
	svc, err := ParseService(svcPart)
	if err != nil {
		return "", Fault{}, fmt.Errorf("fault %q: %w", s, err)
	}
	kindName, num, hasNum := strings.Cut(kindPart, ":")
	kind, err := ParseFaultKind(kindName)
	if err != nil {
		return "", Fault{}, fmt.Errorf("fault %q: %w", s, err)
	}
	f := Fault{Kind: kind}
	if hasNum {
		n, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(num), "%"), 64)
		if err != nil || !(n > 0) || math.IsInf(n, 0) {
			return "", Fault{}, fmt.Errorf("fault %q: %q is not a positive number", s, num)
		}
		switch kind {
		case FaultSlow:
			f.Factor = n
		case FaultErrors:
			if n > 100 {
				return "", Fault{}, fmt.Errorf("fault %q: percent %v is over 100", s, n)
			}
			f.Percent = n
		default:
			return "", Fault{}, fmt.Errorf("fault %q: %s takes no number", s, kind)
		}
	}
	return svc, f.normalized(), nil
}
