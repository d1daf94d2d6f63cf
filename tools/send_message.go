package tools

import (
	"fmt"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/record"
)

type sendMessageArgs struct {
	catalog.Common
	To        string `json:"to" arg:"required" jsonschema:"the receiving process on this node: PID (<90A29F11.0.1017>), alias (Alias#<90A29F11.0.1.2>) or registered name"`
	Message   any    `json:"message" arg:"required" jsonschema:"the message as JSON. With type_name: a value of that type's shape (message_type_info shows it). Without: sent as it is: an object as map[string]any, a string as string, integers as int64, other numbers as float64, arrays as []any"`
	TypeName  string `json:"type_name,omitempty" jsonschema:"a registered message type to build message into (full name, package.Type or the bare name; see message_types)"`
	Important bool   `json:"important,omitempty" jsonschema:"send with important delivery: ergo confirms the message reached the mailbox, or fails"`
}

// Validate checks to, message and type_name.
func (a *sendMessageArgs) Validate() error {
	return validateMessage(a.To, a.Message, "message", a.TypeName)
}

func init() {
	register(catalog.Tool{
		Name:  "send_message",
		Title: "Send a message to a process",
		Kind:  catalog.Action,
		Description: "Sends one message to a local process (to: PID, alias or registered name), as if an actor had " +
			"sent it: the receiver's HandleMessage gets it with from = the ergomcp worker's PID. With type_name the JSON " +
			"message is built into that registered Go type, strictly: an unknown field, a wrong JSON type or a number " +
			"that does not fit is an error naming the field path (Order.Items[2].Qty) and nothing is sent. Without " +
			"type_name the JSON goes as it is (object → map[string]any, string → string). important asks ergo to confirm " +
			"delivery to the mailbox. Action: refused unless the operator set Options.EnableActions. The effect is the " +
			"application's: a message it does not expect may crash or confuse it.",
	}, sendMessage)
}

func sendMessage(env *Env, args *sendMessageArgs) (any, error) {
	to, err := env.recipient(args.To)
	if err != nil {
		return nil, err
	}
	msg, typeName, err := env.message(args.TypeName, args.Message, "message")
	if err != nil {
		return nil, err
	}
	if args.Important {
		err = env.Process.SendImportant(to, msg)
	} else {
		err = env.Process.Send(to, msg)
	}
	if err != nil {
		return nil, deliveryError(env, "sending to", to, err)
	}
	return record.Append(nil, nil, nil,
		record.Field{Name: "To", Value: to},
		record.Field{Name: "From", Value: env.Process.PID()},
		record.Field{Name: "TypeName", Value: typeName},
		record.Field{Name: "GoType", Value: goType(msg)},
		record.Field{Name: "Important", Value: args.Important},
		record.Field{Name: "Sent", Value: true})
}

// deliveryError says why a send or call to target failed.
func deliveryError(env *Env, what string, target any, err error) error {
	switch err {
	case gen.ErrProcessUnknown:
		return catalog.Errorf("%s %v: no such process on %s (it may have terminated; process_list shows the live ones)", what, target, env.Node().Name())
	case gen.ErrProcessTerminated:
		return catalog.Errorf("%s %v: the process has terminated", what, target)
	case gen.ErrProcessMailboxFull:
		return catalog.Errorf("%s %v: its mailbox is full (it is overloaded or stuck); nothing was delivered", what, target)
	}
	return catalog.Errorf("%s %v: %v", what, target, err)
}

// goType prints a value's Go type for results ("" for nil).
func goType(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprintf("%T", v)
}
