import { MemoryEventStore } from '../support/memory-event-store.js';
import { describeEventStoreContract } from '../contracts/event-store.contract.js';

// The domain tests' fake must behave like the real adapters.
describeEventStoreContract('in-memory fake', async () => ({
  store: new MemoryEventStore(),
  close: async () => {},
}));
