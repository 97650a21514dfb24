/** Active and planned tasks in the current scope. */
import { defineStore } from 'pinia';
import { computed, shallowRef } from 'vue';
import type { Task } from '@contract/tasks.ts';

export const useTasksStore = defineStore('tasks', () => {
  const byId = shallowRef(new Map<string, Task>());
  const active = computed(() => [...byId.value.values()].filter((t) => t.state === 'active'));
  function replace(map: Map<string, Task>): void {
    byId.value = map;
  }
  return { byId, active, replace };
});
