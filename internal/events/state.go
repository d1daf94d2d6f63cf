package events

// Utilization states; the package documentation gives the rules.
const (
	StateActive        = "active"
	StateOnDemand      = "on_demand"
	StateIdle          = "idle"
	StateNoSubscribers = "no_subscribers"
	StateNoPublishing  = "no_publishing"

	// The states of a source without publish counters or Notify.
	StateHasSubscribers     = "has_subscribers"
	StateNoLocalSubscribers = "no_local_subscribers"
)

// fullStates are decided with publish counters and Notify; partialStates
// without them. Both in the order the documentation lists them.
var (
	fullStates    = []string{StateActive, StateOnDemand, StateNoSubscribers, StateNoPublishing, StateIdle}
	partialStates = []string{StateHasSubscribers, StateNoSubscribers, StateNoLocalSubscribers}
)

// States lists every state a utilization_state argument may name, for the
// schema: the full-table states first, then those only older ergo reports.
func States() []string {
	return append(append([]string(nil), fullStates...), StateHasSubscribers, StateNoLocalSubscribers)
}

// decidesPublishing reports whether the source knows enough to tell the
// publishing states apart.
func (a Availability) decidesPublishing() bool {
	return a.has(colMessagesPublished | colNotify)
}

// states lists the states this source can produce.
func (a Availability) states() []string {
	switch {
	case !a.has(colSubscribers):
		return nil
	case a.decidesPublishing():
		return fullStates
	case a.localOnly:
		return partialStates
	}
	return partialStates[:2]
}

// Classify sets e.UtilizationState by the package rules, using only the
// columns a reports; it leaves "" when not even Subscribers is known.
func (a Availability) Classify(e *Event) {
	e.UtilizationState = a.state(e)
}

func (a Availability) state(e *Event) string {
	if !a.has(colSubscribers) {
		return ""
	}
	subscribed := e.Subscribers > 0
	if a.decidesPublishing() {
		published := e.MessagesPublished > 0
		switch {
		case published && subscribed:
			return StateActive
		case e.Notify:
			return StateOnDemand
		case published:
			return StateNoSubscribers
		case subscribed:
			return StateNoPublishing
		}
		return StateIdle
	}
	switch {
	case subscribed:
		return StateHasSubscribers
	case a.localOnly && a.peers:
		return StateNoLocalSubscribers
	}
	return StateNoSubscribers
}
