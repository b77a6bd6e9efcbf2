"""
How many rooms, occupants and sessions the room service holds now: plain
numbers for the metrics endpoint, counted when asked by one pass over the
rooms, so that the paths of stanzas pay nothing for them.
"""

from typing import NamedTuple


class Census(NamedTuple):
    """
    @ivar persistentRooms: rooms kept in the store.
    @ivar temporaryRooms: rooms that vanish with their last occupant (a
        room locked for its creation is one until configured).
    @ivar occupants: occupants (nicks) in all rooms.
    @ivar sessions: joined sessions (real full JIDs) in all rooms; a user
        joined from two clients is one occupant and two sessions.
    @ivar historyMessages: messages of discussion history held in memory.
    """

    persistentRooms: int
    temporaryRooms: int
    occupants: int
    sessions: int
    historyMessages: int


def census(roomService):
    """
    @param roomService: the L{RoomService<mucservice.room.service.RoomService>}.
    @return: its L{Census}, now.
    """
    persistent = occupants = sessions = history = 0
    rooms = list(roomService.rooms.values())
    for room in rooms:
        if room.config.persistent and not room.locked:
            persistent += 1
        occupants += len(room.occupants)
        sessions += len(room.sessions)
        history += len(room.history)
    return Census(persistent, len(rooms) - persistent, occupants, sessions, history)
