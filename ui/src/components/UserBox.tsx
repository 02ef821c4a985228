// The name the UI acts as (X-Ferry-User): shown in the audit log of every
// alias move, approval and promotion made from the browser.
import { useState } from 'preact/hooks';
import { currentUser, setCurrentUser } from '../lib/api';

export function UserBox() {
  const [name, setName] = useState(currentUser());
  const [editing, setEditing] = useState(false);
  if (editing) {
    return (
      <form
        class="userbox"
        onSubmit={(e) => {
          e.preventDefault();
          setCurrentUser(name);
          setName(currentUser());
          setEditing(false);
        }}
      >
        <input aria-label="your name" data-testid="user-name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
      </form>
    );
  }
  return (
    <a href="#" class="userbox" data-testid="user" title="The name recorded in the audit log for your actions" onClick={(e) => (e.preventDefault(), setEditing(true))}>
      {name ? `as ${name}` : 'as anonymous'}
    </a>
  );
}
