"""Fill resources/translations/cur_desktop_ru.ts from the table below (then run
scripts/build-translations.sh). The .ts stays the source of truth for translators (Qt Linguist);
this table is how the project's own strings were first translated and is kept in step with it.

Usage: .venv/bin/python scripts/fill_translations.py
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

TS = Path(__file__).resolve().parent.parent / "resources" / "translations" / "cur_desktop_ru.ts"

RU: dict[str, str] = {
    # AdminPage (issue 12: administration)
    "Administration": "Администрирование",
    "User": "Пользователь",
    "Role and region": "Роль и регион",
    "at least 8 characters": "не короче 8 символов",
    "Role:": "Роль:",
    "Region:": "Регион:",
    "Users": "Пользователи",
    "Municipalities and executors": "Муниципалитеты и исполнители",
    "Audit log": "Журнал действий",
    "Login": "Логин",
    "Role": "Роль",
    "State": "Состояние",
    "Since": "Создан",
    "Add…": "Добавить…",
    "Disable / enable": "Отключить / включить",
    "Reset password…": "Сбросить пароль…",
    "Role and region…": "Роль и регион…",
    "CSV file (UTF-8 or Windows-1251, ; or , separated)": (
        "Файл CSV (UTF-8 или Windows-1251, разделитель ; или ,)"
    ),
    "Municipalities (id; name; population):": "Муниципалитеты (id; name; population):",
    "Executors (id; name; municipality_id):": "Исполнители (id; name; municipality_id):",
    "Check (dry run)": "Проверить (пробный запуск)",
    "Apply": "Применить",
    "Choose…": "Выбрать…",
    "Who": "Кто",
    "Whom": "Над кем",
    "Details": "Подробности",
    "active": "активен",
    "disabled": "отключён",
    "User %1 created": "Пользователь %1 создан",
    "User %1 enabled": "Пользователь %1 включён",
    "User %1 disabled": "Пользователь %1 отключён",
    "Password of %1 changed; its sessions ended": "Пароль %1 изменён; его сеансы завершены",
    "Role of %1 changed": "Роль %1 изменена",
    "Reset password": "Сброс пароля",
    "New password for %1:": "Новый пароль для %1:",
    "CSV file": "Файл CSV",
    "CSV files (*.csv *.txt)": "Файлы CSV (*.csv *.txt)",
    "Checked: nothing written yet. Press Apply to write.": (
        "Проверено: пока ничего не записано. Нажмите «Применить», чтобы записать."
    ),
    "The files have errors: nothing can be written.": ("В файлах есть ошибки: записать нельзя."),
    "Written: %1 rows": "Записано строк: %1",
    "Supervisor": "Руководитель",
    "Federal analyst": "Федеральный аналитик",
    "Administrator": "Администратор",
    # AnswerEditor
    "Insert template": "Вставить шаблон",
    "Write the answer here or insert a template. The draft is saved as you type.": (
        "Напишите ответ или вставьте шаблон. Черновик сохраняется по мере набора."
    ),
    "Send (Ctrl+Enter)": "Отправить (Ctrl+Enter)",
    "Kind:": "Вид:",
    "Template:": "Шаблон:",
    "Draft restored": "Черновик восстановлен",
    "The incident has changed since you opened it (%1). Read its history before sending.": (
        "Инцидент изменился с момента, как вы его открыли (%1). Прочитайте историю перед отправкой."
    ),
    "another user": "другой сотрудник",
    "Saving draft…": "Сохраняю черновик…",
    "Draft saved": "Черновик сохранён",
    "Send": "Отправка",
    "The answer is empty.": "Ответ пустой.",
    "Check the answer": "Проверьте ответ",
    "The quality check found problems:\n\n%1\n\nSend it anyway?": (
        "Проверка качества нашла замечания:\n\n%1\n\nВсё равно отправить?"
    ),
    "Sent to the outbox": "Ответ в очереди на отправку",
    "Answer sent to the server": "Ответ отправлен на сервер",
    "Not sent: %1": "Не отправлено: %1",
    "The note is empty.": "Заметка пустая.",
    "A note is not kept as a draft; Send adds it": (
        "Заметка не хранится как черновик; «Отправить» добавит её"
    ),
    "Note queued for the server": "Заметка в очереди на отправку",
    "Note sent to the server": "Заметка отправлена на сервер",
    "Note not saved: %1": "Заметка не сохранена: %1",
    # AttentionPanel
    "When": "Когда",
    "Change": "Изменение",
    "Why the server refused": "Почему сервер отклонил",
    "Text": "Текст",
    "Retry": "Повторить",
    "Edit…": "Исправить…",
    "Discard…": "Отказаться…",
    "Nothing needs attention.": "Нет изменений, требующих внимания.",
    "Discard the change": "Отказаться от изменения",
    "The change will be dropped for good. Discard it?": (
        "Изменение будет удалено безвозвратно. Отказаться от него?"
    ),
    "Registration": "Регистрация",
    "Classification": "Классификация",
    "Status change": "Смена статуса",
    "Assignment": "Назначение",
    "Answer": "Ответ",
    "Answer state": "Состояние ответа",
    "Edit the change": "Исправить изменение",
    # Format
    "%1 d %2 h": "%1 д %2 ч",
    "%1 wd %2 h": "%1 дн %2 ч",
    "%1 h %2 min": "%1 ч %2 мин",
    "%1 h": "%1 ч",
    "overdue": "просрочен",
    "[rejected by the server: see Needs attention]": "[отклонено сервером: см. «Требуют внимания»]",
    "[made offline]": "[сделано без связи]",
    "%1 min": "%1 мин",
    # InboxPage
    "Search the text (Ctrl+F)": "Поиск по тексту (Ctrl+F)",
    "Any status": "Любой статус",
    "Any source": "Любой источник",
    "Any priority": "Любой приоритет",
    "Any topic": "Любая тема",
    "Any municipality": "Любой муниципалитет",
    "Any executor": "Любой исполнитель",
    "Clear filters": "Сбросить фильтры",
    "Nothing found for «%1» with the chosen filters": (
        "Ничего не найдено по запросу «%1» с выбранными фильтрами"
    ),
    "Nothing found for «%1»": "Ничего не найдено по запросу «%1»",
    "No incidents match the chosen filters": "Нет инцидентов по выбранным фильтрам",
    "There are no incidents in this view": "В этом представлении нет инцидентов",
    # InboxTableModel
    "Time left": "Осталось",
    "Status": "Статус",
    "Source": "Источник",
    "Topic": "Тема",
    "Municipality": "Муниципалитет",
    "Received": "Поступил",
    "Assignee": "Оператор",
    "Executor": "Исполнитель",
    "Changed here; waiting to be sent to the server": ("Изменено здесь; ждёт отправки на сервер"),
    "Final answer": "Окончательный ответ",
    "First answer": "Первичный ответ",
    "%1 overdue": "%1: срок истёк",
    "Working time overdue: %1": "Просрочено рабочего времени: %1",
    "Calendar time overdue: %1": "Просрочено календарного времени: %1",
    "%1 due": "%1: срок идёт",
    "Working time left: %1": "Осталось рабочего времени: %1",
    "Calendar time left: %1": "Осталось календарного времени: %1",
    "Due: %1 (%2, region's time)": "Срок: %1 (%2, время региона)",
    # IncidentCard
    "Open in browser": "Открыть в браузере",
    "Take (Ctrl+T)": "Взять в работу (Ctrl+T)",
    "Already in your work": "Уже у вас в работе",
    "Save classification": "Сохранить классификацию",
    "Author:": "Автор:",
    "Source:": "Источник:",
    "Status:": "Статус:",
    "Municipality:": "Муниципалитет:",
    "Topic:": "Тема:",
    "Executor:": "Исполнитель:",
    "Resident's post:": "Сообщение жителя:",
    "History:": "История:",
    "History (%1):": "История (%1):",
    "Select an incident and press Enter to open it.": (
        "Выберите инцидент и нажмите Enter, чтобы открыть его."
    ),
    "Incident of %1": "Инцидент от %1",
    "(no name)": "(без имени)",
    "assigned to %1": "в работе у %1",
    "%1 changes not yet sent": "неотправленных изменений: %1",
    "Received from %1": "Поступило от %1",
    "Status → %1": "Статус → %1",
    "Assigned to %1": "Назначен: %1",
    "Classification changed": "Изменена классификация",
    "[made offline, not yet confirmed]": "[сделано без связи, ещё не подтверждено]",
    # Labels
    "New": "Новый",
    "New incidents": "Новые",
    "Moderation": "На модерации",
    "Sent to executor": "Направлен исполнителю",
    "First answer given": "Дан первичный ответ",
    "On control": "На контроле",
    "Answer review": "Проверка ответа",
    "Rework": "На доработке",
    "Closed": "Закрыт",
    "Rejected": "Отклонён",
    "Reopened": "Переоткрыт",
    "VK": "ВКонтакте",
    "Odnoklassniki": "Одноклассники",
    "Telegram": "Telegram",
    "Feedback platform": "ПОС «Решаем вместе»",
    "Appeal (59-FZ)": "Обращение (59-ФЗ)",
    "Other": "Другое",
    "Low": "Низкий",
    "Normal": "Обычный",
    "High": "Высокий",
    "Interim answer": "Промежуточный ответ",
    "Answer with a solution": "Ответ с решением",
    "Internal note": "Внутренняя заметка",
    "Draft": "Черновик",
    "On approval": "На согласовании",
    "Approved": "Согласован",
    "Returned": "Возвращён",
    "Published": "Опубликован",
    "Mine": "Мои",
    "Due soon": "Скоро просрочка",
    "Overdue": "Просрочены",
    "All": "Все",
    # MainWindow
    "CUR workstation": "Рабочее место ЦУР",
    "Preparing data…": "Готовлю данные…",
    "Inbox": "Входящие",
    "The deadline board of the whole region arrives with the supervisors' workstation. "
    "Overdue incidents: the Overdue view of the Inbox (F8).": (
        "Табло сроков всего региона появится вместе с рабочим местом руководителя. "
        "Просроченные инциденты: представление «Просрочены» во входящих (F8)."
    ),
    "Deadlines": "Сроки",
    "Statistics (response time, processing share, incidents per 1,000 residents) arrive "
    "with the supervisors' workstation.": (
        "Статистика (время ответа, доля обработки, инциденты на 1000 жителей) появится "
        "вместе с рабочим местом руководителя."
    ),
    "Statistics": "Статистика",
    "Needs attention": "Требуют внимания",
    "CUR workstation — %1 (%2)": "Рабочее место ЦУР — %1 (%2)",
    "Error: %1": "Ошибка: %1",
    "The incident is no longer available.": "Инцидент больше недоступен.",
    "Taken into work": "Взято в работу",
    "Classification saved": "Классификация сохранена",
    "The answer is in the outbox; it is sent when the server is reachable.": (
        "Ответ в очереди; он будет отправлен, когда сервер доступен."
    ),
    "Note saved; it goes to the server when connected.": (
        "Заметка сохранена; уйдёт на сервер при связи."
    ),
    "Move in the list": "Перемещение по списку",
    "Open the selected incident": "Открыть выбранный инцидент",
    "Take the selected incident into work": "Взять выбранный инцидент в работу",
    "Answer: open the incident and go to the editor": (
        "Ответить: открыть инцидент и перейти в редактор"
    ),
    "Send the answer (after the quality check)": "Отправить ответ (после проверки качества)",
    "Next overdue incident": "Следующий просроченный инцидент",
    "Search the text": "Поиск по тексту",
    "Saved views: Mine, New, Due soon, Overdue, On control, All": (
        "Представления: Мои, Новые, Скоро просрочка, Просрочены, На контроле, Все"
    ),
    "Back to the list": "Вернуться к списку",
    "Synchronise now": "Синхронизировать сейчас",
    "This list": "Этот список",
    # Quality
    "The answer is too short to say anything: write what will be done, by whom and when.": (
        "Ответ слишком короткий и ничего не сообщает: напишите, что будет сделано, кем и когда."
    ),
    'Only a stock phrase ("taken into work", "information passed on"): residents call this '
    "a brush-off. Say what exactly will be done and when.": (
        "Только дежурная фраза («взято в работу», «информация передана»): жители называют "
        "такие ответы отписками. Напишите, что именно и когда будет сделано."
    ),
    "No date or deadline: name a concrete date by which the problem will be solved or when "
    "it was solved.": (
        "Нет даты или срока: укажите конкретную дату, к которой проблему решат или когда её решили."
    ),
    "The answer sends the resident to another body. Forward the message yourself and tell "
    "the resident it has been done.": (
        "Ответ отправляет жителя в другую организацию. Перешлите сообщение сами и сообщите "
        "жителю, что это сделано."
    ),
    "Full official name of a law or a body: use the short, plain name instead.": (
        "Полное официальное название закона или органа: используйте короткое понятное название."
    ),
    "The answer is long: short and informative answers are read; keep what the resident "
    "needs to know.": (
        "Ответ длинный: читают короткие и информативные ответы; оставьте то, что важно жителю."
    ),
    "Asks for a rating although nothing has been solved yet: ask for it only after the "
    "problem is solved.": (
        "Просьба об оценке, хотя проблема ещё не решена: просите оценить только после решения."
    ),
    "Says the work was done but offers no proof: attach a photo or an act and mention it.": (
        "Сказано, что работы выполнены, но нет подтверждения: приложите фото или акт и "
        "упомяните их."
    ),
    "A template variable was left unfilled: replace it with the real value.": (
        "Осталась незаполненная переменная шаблона: замените её настоящим значением."
    ),
    # Supervisors: DeadlineBoard, StatisticsTab, charts, definitions, exports (issue 10)
    "hours": "ч",
    "Operator": "Оператор",
    "All open": "Все открытые",
    "Breach within the hour": "Просрочка в ближайший час",
    "Breach today": "Просрочка сегодня",
    "Reassign selected": "Переназначить выбранные",
    "Group by:": "Группировать:",
    "Show:": "Показать:",
    "To operator:": "Оператору:",
    "Due": "Срок",
    "Answers waiting for approval": "Ответы на согласовании",
    "Sent": "Отправлен",
    "Author": "Автор",
    "Approve": "Согласовать",
    "Return with a comment…": "Вернуть с комментарием…",
    "(not set)": "(не указан)",
    "Open: %1 · overdue: %2 · within the hour: %3 · by the end of the day: %4": (
        "Открыто: %1 · просрочено: %2 · в ближайший час: %3 · до конца дня: %4"
    ),
    "(nobody)": "(не назначены)",
    "Show more (%1 left)": "Показать ещё (осталось %1)",
    "%1 open, %2 overdue": "открыто %1, просрочено %2",
    "Answers waiting for approval: %1": "Ответы на согласовании: %1",
    "Select incidents and the operator to move them to.": (
        "Выберите инциденты и оператора, которому их передать."
    ),
    "Reassigned to %1: %2": "Передано оператору %1: %2",
    "refused: %1": "отказ: %1",
    "Answer approved": "Ответ согласован",
    "Return the answer": "Вернуть ответ",
    "What must be corrected:": "Что нужно исправить:",
    "Answer returned for correction": "Ответ возвращён на исправление",
    "How the figures are computed": "Как считаются показатели",
    "%1 (%2: %3)": "%1 (%2: %3)",
    "Incidents: %1": "Инцидентов: %1",
    "Day": "День",
    "Week": "Неделя",
    "Month": "Месяц",
    "Quarter": "Квартал",
    "Year": "Год",
    "Custom": "Произвольный",
    "to": "по",
    "Previous period (Alt+←)": "Предыдущий период (Alt+←)",
    "Next period (Alt+→)": "Следующий период (Alt+→)",
    "Refresh": "Обновить",
    "Definitions": "Определения",
    "Excel": "Excel",
    "CSV": "CSV",
    "PDF report": "Отчёт PDF",
    "Period:": "Период:",
    "Export:": "Выгрузка:",
    "Operators": "Операторы",
    "Executors": "Исполнители",
    "Municipalities": "Муниципалитеты",
    "Topics": "Темы",
    "Sources": "Источники",
    "Name": "Название",
    "Incidents": "Инцидентов",
    "Mean first answer": "Среднее время ответа",
    "Mean, working time": "Среднее, рабочее время",
    "Processed": "Обработано",
    "Overdue, count": "Просрочено",
    "Double-click a row to open its incidents in the inbox.": (
        "Двойной щелчок по строке открывает её инциденты во Входящих."
    ),
    "Received: %1": "Получено: %1",
    # InboxPage: drill-down from the statistics
    "From the statistics:": "Из статистики:",
    "Remove this filter": "Убрать этот фильтр",
    "Incidents per day by source": "Инциденты по дням и источникам",
    "Mean first-answer time per day": "Среднее время первичного ответа по дням",
    "Load: weekday × hour": "Нагрузка: день недели × час",
    "The federal rating (all regions, computed by the central server) is not available in "
    "this version.": (
        "Федеральный рейтинг (все регионы, рассчитывается центральным сервером) в этой версии "
        "недоступен."
    ),
    "Charts": "Графики",
    "Tables": "Таблицы",
    "Federal rating": "Федеральный рейтинг",
    "Computing…": "Расчёт…",
    "The statistics could not be computed (see the log).": (
        "Не удалось рассчитать статистику (подробности в журнале)."
    ),
    "%1 — compared with %2. Computed at %3. Working time known for %4 of %5 answers.": (
        "%1 — в сравнении с периодом «%2». Рассчитано в %3. Рабочее время известно для %4 "
        "из %5 ответов."
    ),
    "Nothing to export yet: the statistics are being computed.": (
        "Выгружать пока нечего: статистика ещё рассчитывается."
    ),
    "Export the statistics": "Выгрузка статистики",
    "Export": "Выгрузка",
    "The file could not be written: %1": "Не удалось записать файл: %1",
    "Saved: %1": "Сохранено: %1",
    "Region": "Регион",
    "Processing share": "Доля обработки",
    "Place": "Место",
    "Change on the month before": "Изменение к прошлому месяцу",
    "Per 1,000 residents": "На 1000 жителей",
    "The rating has not been received yet.": "Рейтинг ещё не получен.",
    "Month %1: %2 regions ranked. National mean first answer %3 (%4 on the month before).": (
        "Месяц %1: в рейтинге регионов — %2. Среднее время первичного ответа по стране %3 "
        "(%4 к прошлому месяцу)."
    ),
    "Offline: a local copy of the figures the server computed at %1.": (
        "Нет связи: локальная копия показателей, рассчитанных сервером %1."
    ),
    "Computed by the server at %1.": "Рассчитано сервером %1.",
    "Only your region's row and places are shown to regional users.": (
        "Региональным пользователям показываются только строка и места своего региона."
    ),
    "No rating for %1: the server is not reachable and no copy is kept.": (
        "Рейтинга за %1 нет: сервер недоступен, а локальной копии нет."
    ),
    # ShortcutsDialog
    "Keyboard shortcuts": "Сочетания клавиш",
    "Keys": "Клавиши",
    "Action": "Действие",
    # SignInDialog
    "Sign in — CUR workstation": "Вход — рабочее место ЦУР",
    "Without a connection you can still work if you have signed in on this computer before: "
    "your data is unlocked locally and sent when the server is back.": (
        "Без связи можно работать, если вы уже входили на этом компьютере: данные "
        "открываются локально, а изменения отправятся, когда сервер снова будет доступен."
    ),
    "Server:": "Сервер:",
    "Login:": "Логин:",
    "Password:": "Пароль:",
    "Sign in": "Войти",
    "Cancel": "Отмена",
    "CUR operator workstation": "Рабочее место оператора ЦУР",
    "Signing in…": "Вход…",
    "Sign-in failed: %1": "Не удалось войти: %1",
    # SyncStatusBar
    "Sync now": "Синхронизировать",
    "Synchronise with the server now (F5)": "Синхронизироваться с сервером сейчас (F5)",
    "Not synchronised yet": "Ещё не синхронизировано",
    "OFFLINE: changes are kept and sent later": "БЕЗ СВЯЗИ: изменения сохраняются и уйдут позже",
    "Online": "На связи",
    "Server unreachable; retrying": "Сервер недоступен; повторяю попытки",
    "Up to date at %1": "Данные актуальны на %1",
    "Sync stopped: %1": "Синхронизация остановлена: %1",
    "Syncing ↑%1 ↓%2": "Синхронизация ↑%1 ↓%2",
    "about %1 min left": "осталось ≈ %1 мин",
    "less than a minute left": "осталось меньше минуты",
    "%1 need attention": "Требуют внимания: %1",
    # WindowSession
    "Preparing demo data (regions, municipalities, executors, 90 days of history)…": (
        "Готовлю демонстрационные данные (регионы, муниципалитеты, исполнители, история "
        "за 90 дней)…"
    ),
    "Starting the local CUR server…": "Запускаю локальный сервер ЦУР…",
    "Signing in and fetching the data…": "Вхожу и получаю данные…",
    "%1 of %2": "%1 из %2",
    "Sign in to start work.": "Войдите, чтобы начать работу.",
    # Inbox marks, bulk actions, reminders, deadline notices (issue 9 items 3, 5, 6)
    "Take": "Взять в работу",
    "Assign…": "Назначить…",
    "To executor…": "Исполнителю…",
    "Duplicate…": "Дубликат…",
    "Spam": "Спам",
    "Out of scope": "Не по теме",
    "Mark as unread": "Отметить непрочитанным",
    "Dismiss the reminder": "Снять напоминание",
    "Reject": "Отклонить",
    "Take %1 incident(s) into work?": "Взять в работу инцидентов: %1?",
    "Assign": "Назначить",
    "Operator:": "Сотрудник:",
    "Assign %1 incident(s) to %2?": "Назначить сотруднику %2 инцидентов: %1?",
    "Route": "Направить исполнителю",
    "Route %1 incident(s) to %2?": "Направить исполнителю «%2» инцидентов: %1?",
    "Reject %1 incident(s) as spam?": "Отклонить как спам инцидентов: %1?",
    "Reject %1 incident(s) as out of scope?": "Отклонить как не относящиеся к теме инцидентов: %1?",
    "Select the original and its duplicates (at least two incidents), then pick the original.": (
        "Выделите основной инцидент и его дубликаты (не меньше двух), затем выберите основной."
    ),
    "Merge duplicates": "Объединение дубликатов",
    "The original incident:": "Основной инцидент:",
    "Reject %1 incident(s) as duplicates merged into the original?": (
        "Отклонить как дубликаты и объединить с основным инцидентов: %1?"
    ),
    "At most %1 incidents at once: select fewer.": (
        "За один раз — не больше %1 инцидентов: выделите меньше."
    ),
    "Done: %1.": "Выполнено: %1.",
    "Refused: %1.": "Отказано: %1.",
    "Bulk action": "Групповое действие",
    "Nothing to choose from.": "Выбирать не из чего.",
    "Take the selected incidents into work": "Взять выделенные инциденты в работу",
    "Assign the selected incidents to an operator": "Назначить выделенные инциденты сотруднику",
    "Route the selected incidents to an executor": "Направить выделенные инциденты исполнителю",
    "Reject as duplicates, merged into an original": (
        "Отклонить как дубликаты с объединением в основной"
    ),
    "Reject as spam": "Отклонить как спам",
    "Reject as out of scope": "Отклонить как не относящиеся к теме",
    "Select several incidents": "Выделить несколько инцидентов",
    "Deadline soon: less than a quarter of the time left": (
        "Срок скоро истекает: осталось меньше четверти времени"
    ),
    "and %1 more": "и ещё %1",
    "overdue by %1": "просрочен на %1",
    "Unread: new or changed since you last opened it": (
        "Не прочитан: новый или изменился с тех пор, как вы его открывали"
    ),
    "Reminder due since %1": "Напоминание с %1",
    "Reminder at %1": "Напоминание на %1",
    "%1 unread": "непрочитанных: %1",
    "Reminder set for %1": "Напоминание установлено на %1",
    "Remind me": "Напомнить",
    "Working on %1 incident(s)…": "Выполняется для инцидентов: %1…",
    "The answer promises «%1». Remind me:": "В ответе обещание «%1». Напомнить:",
    # EvidenceStrip, EvidenceController (issue 9: evidence)
    "Evidence (photos, acts):": "Доказательства (фото, акты):",
    "Attach photo or act…": "Прикрепить фото или акт…",
    "Remove": "Убрать",
    "Drop photos (JPEG, PNG) or scanned acts (PDF) here": (
        "Перетащите сюда фото (JPEG, PNG) или скан акта (PDF)"
    ),
    "PHOTO": "ФОТО",
    "not sent": "не отправлено",
    "waiting for upload": "ожидает загрузки",
    "uploaded %1%": "загружено %1%",
    "uploaded": "загружено",
    "on the server": "на сервере",
    "refused": "отклонено",
    "%1 KB": "%1 КБ",
    "%1 MB": "%1 МБ",
    "Attached by %1": "Прикрепил(а) %1",
    "Attach photo or act": "Прикрепить фото или акт",
    "Photos and acts (*.jpg *.jpeg *.png *.pdf);;All files (*)": (
        "Фото и акты (*.jpg *.jpeg *.png *.pdf);;Все файлы (*)"
    ),
    "Not attached: %1": "Не прикреплено: %1",
    # Registration by hand, card deadline / region / duplicates, template gaps (issue 9)
    "Fill in the gaps highlighted in yellow before sending: %1": (
        "Перед отправкой заполните пропуски, выделенные жёлтым: %1"
    ),
    "Registration by hand": "Регистрация обращения",
    "%1 (provisional)": "%1 (предварительно)",
    "Provisional: computed on this computer by the region's rules; "
    "the server has not confirmed the incident yet.": (
        "Предварительно: рассчитано на этом компьютере по правилам региона; "
        "сервер ещё не подтвердил инцидент."
    ),
    "Double-click or Enter: open the duplicate's card": (
        "Двойной щелчок или Enter: открыть карточку дубликата"
    ),
    "Merged duplicates:": "Объединённые дубликаты:",
    "Merged duplicates: %1": "Объединённые дубликаты: %1",
    "Deadline:": "Срок:",
    "You work in this region only: incidents cannot be moved to another one": (
        "Вы работаете только в этом регионе: перенести инцидент в другой нельзя"
    ),
    "%1 (region's time), %2": "%1 (время региона), %2",
    "%1 (region's time), %2 left": "%1 (время региона), осталось %2",
    "Phone call": "Телефонный звонок",
    "Letter": "Письмо",
    "Visit in person": "Личный приём",
    "no contact": "контакт не указан",
    "Registered by hand; the contact the resident gave": (
        "Зарегистрировано вручную; контакт, который оставил житель"
    ),
    "prov. %1": "предв. %1",
    "Register an incident by hand (call, letter, visit)": (
        "Зарегистрировать обращение вручную (звонок, письмо, приём)"
    ),
    "&Incident": "&Инцидент",
    "&Register an incident…": "&Зарегистрировать обращение…",
    "Incident registered; it is sent when the server is reachable.": (
        "Обращение зарегистрировано; оно уйдёт на сервер, когда будет связь."
    ),
    "A gap is left where the template did not know the value (highlighted in yellow): "
    "write the real value in its place or rephrase the sentence. "
    "The answer is not sent while a gap remains.": (
        "В тексте остался пропуск там, где шаблон не знал значения (выделен жёлтым): "
        "впишите настоящее значение или перестройте фразу. "
        "Пока пропуск не заполнен, ответ не отправляется."
    ),
    "Register an incident": "Регистрация обращения",
    "Full name, as the resident gave it": "ФИО, как назвал себя житель",
    "Phone, e-mail or postal address": "Телефон, e-mail или почтовый адрес",
    "What the resident reports or asks, in their words": (
        "О чём сообщает или что просит житель, его словами"
    ),
    "Incidents are registered in your own region only": (
        "Обращения регистрируются только в вашем регионе"
    ),
    "Register": "Зарегистрировать",
    "Channel:": "Канал:",
    "Resident:": "Житель:",
    "Contact:": "Контакт:",
    "Received (region's time):": "Поступило (время региона):",
    "Text of the appeal:": "Текст обращения:",
    "Enter the text of the appeal.": "Введите текст обращения.",
    # AboutDialog, WindowSession's Help menu (issue 12)
    "About the program": "О программе",
    "Version": "Версия",
    "Data directory": "Каталог данных",
    "Log directory": "Каталог журналов",
    "&Help": "&Справка",
    # CrashDialog (issue 12)
    "Unexpected error": "Непредвиденная ошибка",
    "An unexpected error happened. The answer draft is saved; you can go on working, or restart "
    "the program if something looks wrong.": (
        "Произошла непредвиденная ошибка. Черновик ответа сохранён; можно продолжать работу "
        "или перезапустить программу, если что-то выглядит неправильно."
    ),
    "The error report is saved to:\n%1\nPlease send it to technical support.": (
        "Отчёт об ошибке сохранён в файл:\n%1\nПожалуйста, отправьте его в техническую поддержку."
    ),
    "Further errors since then: %1 (written to the program's log).": (
        "Ещё ошибок с тех пор: %1 (записаны в журнал программы)."
    ),
}

CONTEXT_RU: dict[tuple[str, str], str] = {}
"""Where one English word needs different Russian in different places (status vs view)."""


def main() -> int:
    """Write the translations into the .ts; report what is missing."""
    tree = ET.parse(TS)
    missing: list[str] = []
    for context in tree.getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            source = message.findtext("source") or ""
            text = CONTEXT_RU.get((name, source), RU.get(source))
            translation = message.find("translation")
            if translation is None:
                translation = ET.SubElement(message, "translation")
            if text is None:
                missing.append(f"{name}: {source!r}")
                continue
            translation.text = text
            translation.attrib.pop("type", None)
    tree.write(TS, encoding="utf-8", xml_declaration=True)
    for item in missing:
        print("untranslated:", item, file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
