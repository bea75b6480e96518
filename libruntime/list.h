/*
 * list.h — the library's one intrusive doubly-linked list, as macros over
 * any struct with two link fields (in the manner of BSD's <sys/queue.h>):
 * the heap's page queues, segment lists and thread heaps, the stream
 * registry and the resolver cache's LRU list all use it.  Never installed.
 *
 * A list is a FIRST pointer, or a FIRST and LAST pair (a queue).  PREV and
 * NEXT name the element's link fields, so one element can sit on several
 * lists (a segment is on its heap's list and on the list of all
 * segments).  Elements are not touched beyond their two links; nothing
 * allocates.  The caller holds whatever lock guards the list.
 */
#ifndef RT_LIST_H
#define RT_LIST_H

#include <stddef.h>

/* Put NODE first on the list whose first element is FIRST. */
#define RT_LIST_PUSH_FRONT(first, node, prev, next)                           \
  do {                                                                         \
    (node)->prev = NULL;                                                       \
    (node)->next = (first);                                                    \
    if ((first) != NULL)                                                       \
      (first)->prev = (node);                                                  \
    (first) = (node);                                                          \
  } while (0)

/* Take NODE off the list whose first element is FIRST. */
#define RT_LIST_UNLINK(first, node, prev, next)                               \
  do {                                                                         \
    if ((node)->prev != NULL)                                                  \
      (node)->prev->next = (node)->next;                                       \
    else                                                                       \
      (first) = (node)->next;                                                  \
    if ((node)->next != NULL)                                                  \
      (node)->next->prev = (node)->prev;                                       \
  } while (0)

/* Put NODE last on the queue FIRST..LAST. */
#define RT_QUEUE_PUSH_BACK(first, last, node, prev, next)                     \
  do {                                                                         \
    (node)->next = NULL;                                                       \
    (node)->prev = (last);                                                     \
    if ((last) != NULL)                                                        \
      (last)->next = (node);                                                   \
    else                                                                       \
      (first) = (node);                                                        \
    (last) = (node);                                                           \
  } while (0)

/* Put NODE first on the queue FIRST..LAST. */
#define RT_QUEUE_PUSH_FRONT(first, last, node, prev, next)                    \
  do {                                                                         \
    if ((first) == NULL)                                                       \
      (last) = (node);                                                         \
    RT_LIST_PUSH_FRONT(first, node, prev, next);                               \
  } while (0)

/* Take NODE off the queue FIRST..LAST. */
#define RT_QUEUE_UNLINK(first, last, node, prev, next)                        \
  do {                                                                         \
    if ((node)->next == NULL)                                                  \
      (last) = (node)->prev;                                                   \
    RT_LIST_UNLINK(first, node, prev, next);                                   \
  } while (0)

#endif /* RT_LIST_H */
