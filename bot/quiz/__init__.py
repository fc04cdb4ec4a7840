"""The knowledge quiz (知识竞赛): the question bank, the draw, attempts and their scores, and
the rankings of people, units and cities (the contest YAML's `quiz:` says how)."""
